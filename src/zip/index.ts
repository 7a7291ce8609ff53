import { Transform, type Readable } from "node:stream";
import yauzl from "yauzl";
import yazl from "yazl";
import { errorCodes, ToolError } from "../errors/index.ts";

/** A zip that cannot be read, or that is refused as unsafe (path traversal, bomb, too many entries). */
export class ZipReadError extends ToolError {
  constructor(message: string) {
    super(errorCodes.unreadable, message);
    this.name = "ZipReadError";
  }
}

/**
 * The one timestamp every entry carries. DOS timestamps are local time: yazl reads the Date with
 * local getters, so a Date built from local components writes the same bytes in every time zone,
 * and `forceDosTimestamp` leaves out the UTC extra field that would differ (docs/format-notes.md, "Zip timestamps").
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
  /** Most entries (folders included). */
  maxEntries: number;
  /** Largest uncompressed entry. */
  maxEntryBytes: number;
  /** Largest sum of uncompressed entries. */
  maxTotalBytes: number;
  /**
   * Largest inflation ratio, checked for each entry (uncompressed:compressed) and for the archive as a whole
   * (all entries uncompressed : the archive's size), each once it is above 1 MiB. A compression bomb far
   * exceeds it, whether it is one huge entry or many small ones; JSON, XML and CSV stay well below.
   */
  maxRatio: number;
}

/** Generous for solutions (the largest real one read, CoE Core, has about 600 files and a few MB), tight for bombs. */
export const defaultZipLimits: ZipLimits = {
  maxEntries: 10_000,
  maxEntryBytes: 256 * 1024 * 1024,
  maxTotalBytes: 512 * 1024 * 1024,
  maxRatio: 200,
};

/** Below this, an entry or an archive may inflate at any ratio: it stays small whatever the ratio. */
const ratioFloorBytes = 1024 * 1024;

/** Where a zip comes from: bytes in memory, or a file read as it goes (packages can be gigabytes). */
export type ZipSource = { bytes: Buffer } | { file: string };

/**
 * Streams every file entry of a zip to `onFile`, in archive order, one at a time. Refuses unreadable
 * archives, entry names that are absolute or climb out (`..`), duplicate names, encrypted entries, and
 * archives beyond `limits`. The whole central directory is checked before any entry is opened, so an
 * archive whose headers declare too much is refused before anything is inflated; the same limits are then
 * enforced on the bytes actually inflated, so headers that lie do not get through either. `name` labels
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
    const options = { lazyEntries: true, decodeStrings: true, validateEntrySizes: true, strictFileNames: false, autoClose: false };
    const opened = (err: Error | null, zip: yauzl.ZipFile | undefined): void => {
      if (err || !zip) return fail(`not a readable zip file (${err?.message ?? "no archive"})`);
      let failed = false;
      const stop = (message: string): void => {
        if (failed) return;
        failed = true;
        zip.close();
        fail(message);
      };
      if (zip.entryCount > limits.maxEntries) return stop(`refused: ${zip.entryCount} entries, more than the limit of ${limits.maxEntries}`);
      // yauzl rejects absolute names and `..` segments itself; its message names the entry.
      zip.on("error", (e: Error) => stop(`refused: unsafe or corrupt entry (${e.message})`));

      // First every header: the archive is judged as a whole before a byte is inflated.
      const files: yauzl.Entry[] = [];
      const seen = new Set<string>();
      let entries = 0;
      let declared = 0;
      zip.on("entry", (entry: yauzl.Entry) => {
        if (++entries > limits.maxEntries) return stop(`refused: more than ${limits.maxEntries} entries`);
        if (entry.fileName.endsWith("/")) return zip.readEntry();
        declared += entry.uncompressedSize;
        const problem =
          headerProblem(entry, seen) ??
          expansionProblem({ entryName: entry.fileName, entryBytes: entry.uncompressedSize, entryCompressed: entry.compressedSize, totalBytes: declared, archiveBytes: zip.fileSize }, limits);
        if (problem) return stop(`refused: ${problem}`);
        seen.add(entry.fileName);
        files.push(entry);
        zip.readEntry();
      });
      zip.on("end", () => {
        if (!failed) void inflate();
      });
      zip.readEntry();

      // Then each entry in turn, counting what really comes out of the inflater.
      const inflate = async (): Promise<void> => {
        let total = 0;
        for (const entry of files) {
          const entryName = entry.fileName;
          let size = 0;
          try {
            const stream = await new Promise<Readable>((done, refuse) =>
              zip.openReadStream(entry, (openErr, opened) => (openErr || !opened ? refuse(openErr ?? new Error("no stream")) : done(opened))),
            );
            const counted = new Transform({
              transform(chunk: Buffer, _encoding, done) {
                size += chunk.length;
                const problem = expansionProblem(
                  { entryName, entryBytes: size, entryCompressed: entry.compressedSize, totalBytes: total + size, archiveBytes: zip.fileSize },
                  limits,
                );
                done(problem ? new InflationRefused(problem) : null, problem ? undefined : chunk);
              },
            });
            stream.on("error", (e: Error) => counted.destroy(e));
            await onFile(entryName, stream.pipe(counted));
          } catch (e) {
            return stop(e instanceof InflationRefused ? `refused: ${e.message}` : `cannot read entry "${entryName}" (${(e as Error).message})`);
          }
          if (failed) return;
          total += size;
        }
        zip.close();
        resolve();
      };
    };
    if ("bytes" in source) yauzl.fromBuffer(source.bytes, options, opened);
    else yauzl.open(source.file, options, opened);
  });
}

/** Inflated bytes went past a limit while an entry was read. */
class InflationRefused extends Error {}

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

function headerProblem(entry: yauzl.Entry, seen: ReadonlySet<string>): string | undefined {
  if (seen.has(entry.fileName)) return `entry "${entry.fileName}" appears twice`;
  if (entry.isEncrypted()) return `entry "${entry.fileName}" is encrypted`;
  return undefined;
}

/** How far an archive has inflated: declared by its headers, or counted while reading. */
interface Expansion {
  entryName: string;
  entryBytes: number;
  entryCompressed: number;
  /** Every entry so far, this one included. */
  totalBytes: number;
  archiveBytes: number;
}

/** The one place the size limits are applied, to the headers and to the inflated bytes alike. */
function expansionProblem(x: Expansion, limits: ZipLimits): string | undefined {
  const entry = `entry "${x.entryName}"`;
  if (x.entryBytes > limits.maxEntryBytes) return `${entry}: ${x.entryBytes} bytes uncompressed, more than the limit of ${limits.maxEntryBytes}`;
  if (x.entryBytes > ratioFloorBytes && x.entryBytes > limits.maxRatio * Math.max(x.entryCompressed, 1)) {
    return `${entry}: compression ratio above ${limits.maxRatio}:1 (${x.entryCompressed} → ${x.entryBytes} bytes), a likely zip bomb`;
  }
  if (x.totalBytes > limits.maxTotalBytes) return `the archive would exceed ${limits.maxTotalBytes} bytes uncompressed (${x.totalBytes} by ${entry})`;
  if (x.totalBytes > ratioFloorBytes && x.totalBytes > limits.maxRatio * x.archiveBytes) {
    return `the archive would inflate to ${x.totalBytes} bytes (by ${entry}), more than ${limits.maxRatio} times its ${x.archiveBytes} bytes, a likely zip bomb`;
  }
  return undefined;
}
