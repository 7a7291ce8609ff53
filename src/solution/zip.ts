import { Transform, type Readable } from "node:stream";
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

/** Where a zip comes from: bytes in memory, or a file read as it goes (packages can be gigabytes). */
export type ZipSource = { bytes: Buffer } | { file: string };

/**
 * Streams every file entry of a zip to `onFile`, in archive order, one at a time. Refuses unreadable
 * archives, entry names that are absolute or climb out (`..`), duplicate names, encrypted entries, and
 * archives beyond `limits`. Sizes are checked against the headers before an entry is opened and against
 * the bytes actually inflated while it is read, so a lying header does not get through. `name` labels
 * the errors (a ZipReadError naming the archive and the entry).
 */
export function readZipEntries(
  source: ZipSource,
  name: string,
  limits: ZipLimits,
  onFile: (entryName: string, content: Readable) => Promise<void>,
): Promise<void> {
  return new Promise((resolve, reject) => {
    const fail = (message: string): void => reject(new ZipReadError(`${name}: ${message}`));
    const options = { lazyEntries: true, decodeStrings: true, validateEntrySizes: true, strictFileNames: false, autoClose: true };
    const opened = (err: Error | null, zip: yauzl.ZipFile | undefined): void => {
      if (err || !zip) return fail(`not a readable zip file (${err?.message ?? "no archive"})`);
      if (zip.entryCount > limits.maxEntries) {
        zip.close();
        return fail(`refused: ${zip.entryCount} entries, more than the limit of ${limits.maxEntries}`);
      }
      const seen = new Set<string>();
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
        if (!failed) resolve();
      });
      zip.on("entry", (entry: yauzl.Entry) => {
        const entryName = entry.fileName;
        if (entryName.endsWith("/")) return zip.readEntry();
        const problem = entryProblem(entry, seen, total, limits);
        if (problem) return stop(`refused: entry "${entryName}": ${problem}`);
        seen.add(entryName);
        zip.openReadStream(entry, (openErr, stream) => {
          if (openErr || !stream) return stop(`cannot read entry "${entryName}" (${openErr?.message ?? "no stream"})`);
          let size = 0;
          const counted = new Transform({
            transform(chunk: Buffer, _encoding, done) {
              size += chunk.length;
              if (size > limits.maxEntryBytes || total + size > limits.maxTotalBytes) {
                done(new Error(`entry "${entryName}" inflates beyond the size limits`));
              } else done(null, chunk);
            },
          });
          stream.on("error", (e: Error) => counted.destroy(e));
          onFile(entryName, stream.pipe(counted)).then(
            () => {
              if (failed) return;
              total += size;
              zip.readEntry();
            },
            (e: unknown) => stop(e instanceof Error && e.message.includes("inflates beyond") ? `refused: ${e.message}` : `cannot read entry "${entryName}" (${(e as Error).message})`),
          );
        });
      });
      zip.readEntry();
    };
    if ("bytes" in source) yauzl.fromBuffer(source.bytes, options, opened);
    else yauzl.open(source.file, options, opened);
  });
}

/** Reads every file entry of a zip into memory, in archive order, with the checks of readZipEntries. */
export async function readZip(bytes: Buffer, source: string, limits: ZipLimits = defaultZipLimits): Promise<Map<string, Buffer>> {
  const entries = new Map<string, Buffer>();
  await readZipEntries({ bytes }, source, limits, async (entryName, content) => {
    const chunks: Buffer[] = [];
    for await (const chunk of content) chunks.push(chunk as Buffer);
    entries.set(entryName, Buffer.concat(chunks));
  });
  return entries;
}

function entryProblem(entry: yauzl.Entry, seen: ReadonlySet<string>, total: number, limits: ZipLimits): string | undefined {
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
