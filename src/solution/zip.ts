import yauzl from "yauzl";
import yazl from "yazl";
import { ZipReadError } from "./errors.ts";

/**
 * The one timestamp every entry carries. DOS timestamps are local time: yazl reads the Date with
 * local getters, so a Date built from local components writes the same bytes in every time zone,
 * and `forceDosTimestamp` leaves out the UTC extra field that would differ (toolchain.md §5).
 */
const entryTime = (): Date => new Date(2020, 0, 1, 0, 0, 0);
const entryMode = 0o100644;

/** Zips entries in the given order with fixed metadata: the same entries always give the same bytes. */
export function writeZip(entries: ReadonlyMap<string, Buffer>): Promise<Buffer> {
  const zip = new yazl.ZipFile();
  for (const [name, bytes] of entries) {
    zip.addBuffer(bytes, name, { mtime: entryTime(), mode: entryMode, compress: true, forceDosTimestamp: true });
  }
  zip.end();
  const chunks: Buffer[] = [];
  return new Promise((resolve, reject) => {
    zip.outputStream.on("data", (chunk: Buffer) => chunks.push(chunk));
    zip.outputStream.on("error", reject);
    zip.outputStream.on("end", () => resolve(Buffer.concat(chunks)));
  });
}

export interface ZipLimits {
  maxEntries: number;
  /** Largest uncompressed entry. */
  maxEntryBytes: number;
  /** Largest sum of uncompressed entries. */
  maxTotalBytes: number;
  /** Largest uncompressed:compressed ratio for entries above 1 MiB (a compression bomb far exceeds it; JSON and XML stay well below). */
  maxRatio: number;
}

/** Generous for solutions (the largest real one read, CoE Core, has about 600 files and a few MB), tight for bombs. */
export const defaultZipLimits: ZipLimits = {
  maxEntries: 10_000,
  maxEntryBytes: 256 * 1024 * 1024,
  maxTotalBytes: 512 * 1024 * 1024,
  maxRatio: 200,
};

const ratioFloorBytes = 1024 * 1024;

/**
 * Reads every file entry of a zip into memory, in archive order. Refuses, before anything is
 * returned: unreadable archives, entry names that are absolute or climb out (`..`), duplicate names,
 * encrypted entries, and archives beyond `limits`. Sizes are checked against the headers first and
 * against the bytes actually inflated while reading, so a lying header does not get through.
 */
export function readZip(bytes: Buffer, source: string, limits: ZipLimits = defaultZipLimits): Promise<Map<string, Buffer>> {
  return new Promise((resolve, reject) => {
    const fail = (message: string): void => reject(new ZipReadError(`${source}: ${message}`));
    yauzl.fromBuffer(bytes, { lazyEntries: true, decodeStrings: true, validateEntrySizes: true, strictFileNames: false }, (err, zip) => {
      if (err || !zip) return fail(`not a readable zip file (${err?.message ?? "no archive"})`);
      if (zip.entryCount > limits.maxEntries) {
        return fail(`refused: ${zip.entryCount} entries, more than the limit of ${limits.maxEntries}`);
      }
      const entries = new Map<string, Buffer>();
      let total = 0;
      let failed = false;
      const stop = (message: string): void => {
        if (failed) return;
        failed = true;
        zip.close();
        fail(message);
      };
      // yauzl rejects absolute names and `..` segments itself; its message names the entry.
      zip.on("error", (e: Error) => stop(`refused: unsafe or corrupt entry (${e.message})`));
      zip.on("end", () => {
        if (!failed) resolve(entries);
      });
      zip.on("entry", (entry: yauzl.Entry) => {
        const name = entry.fileName;
        if (name.endsWith("/")) return zip.readEntry();
        const problem = entryProblem(entry, entries, total, limits);
        if (problem) return stop(`refused: entry "${name}": ${problem}`);
        zip.openReadStream(entry, (openErr, stream) => {
          if (openErr || !stream) return stop(`cannot read entry "${name}" (${openErr?.message ?? "no stream"})`);
          const chunks: Buffer[] = [];
          let size = 0;
          stream.on("data", (chunk: Buffer) => {
            size += chunk.length;
            if (size > limits.maxEntryBytes || total + size > limits.maxTotalBytes) {
              stream.destroy();
              stop(`refused: entry "${name}" inflates beyond the size limits`);
              return;
            }
            chunks.push(chunk);
          });
          stream.on("error", (e: Error) => stop(`cannot read entry "${name}" (${e.message})`));
          stream.on("end", () => {
            if (failed) return;
            total += size;
            entries.set(name, Buffer.concat(chunks));
            zip.readEntry();
          });
        });
      });
      zip.readEntry();
    });
  });
}

function entryProblem(entry: yauzl.Entry, seen: Map<string, Buffer>, total: number, limits: ZipLimits): string | undefined {
  if (seen.has(entry.fileName)) return "appears twice";
  if (entry.isEncrypted()) return "is encrypted";
  if (entry.uncompressedSize > limits.maxEntryBytes) {
    return `${entry.uncompressedSize} bytes uncompressed, more than the limit of ${limits.maxEntryBytes}`;
  }
  if (total + entry.uncompressedSize > limits.maxTotalBytes) return `the archive would exceed ${limits.maxTotalBytes} bytes uncompressed`;
  if (entry.uncompressedSize > ratioFloorBytes && entry.uncompressedSize > limits.maxRatio * Math.max(entry.compressedSize, 1)) {
    return `compression ratio above ${limits.maxRatio}:1 (${entry.compressedSize} → ${entry.uncompressedSize} bytes), a likely zip bomb`;
  }
  return undefined;
}
