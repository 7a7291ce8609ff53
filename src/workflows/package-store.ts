import { createHash, randomUUID } from "node:crypto";
import { createReadStream, createWriteStream, readdirSync } from "node:fs";
import { link, lstat, mkdir, rename, rm } from "node:fs/promises";
import path from "node:path";
import { Readable, Transform } from "node:stream";
import { pipeline } from "node:stream/promises";
import yauzl from "yauzl";
import type { DequeueMessage, PackageDownload } from "../client/index.ts";
import { flushFolder } from "./durable.ts";
import { stateDirName } from "./journal.ts";

export interface StoredPackage {
  file: string;
  bytes: number;
  sha256: string;
}

/** A file name derived from the message alone, so a redelivered message maps to the file already written. */
export function packageFileName(message: Pick<DequeueMessage, "CorrelationId">): string {
  const safe = message.CorrelationId.replace(/[^A-Za-z0-9._-]/g, "_");
  if (safe === "" || safe.startsWith(".")) throw new Error(`unusable CorrelationId for a file name: "${message.CorrelationId}"`);
  return `${safe}.zip`;
}

export interface StoreResult extends StoredPackage {
  /** The file already under the final name had exactly these bytes: it was kept and nothing was written. */
  unchanged: boolean;
  /** A different file that was under the final name, kept under this name instead of being overwritten. */
  keptAs: string | undefined;
}

/**
 * Streams a download to a temporary file, flushes it, checks its length against Content-Length and that it
 * opens as a zip, and only then puts it under its final name (and flushes the folder). A failure removes
 * the temporary file and leaves nothing under the final name.
 *
 * A file already under the final name is compared with what was downloaded: the same bytes are kept as
 * they are; a different file is never destroyed but renamed aside to `<name>.replaced-<time>` (reported in
 * `keptAs`), since it may be someone's data; a folder there stops the store with an error.
 */
export async function storePackage(download: PackageDownload, outDir: string, fileName: string, signal?: AbortSignal): Promise<StoreResult> {
  const tmpDir = path.join(outDir, stateDirName, "partial");
  await mkdir(tmpDir, { recursive: true });
  // Unique per attempt: a redelivered message may be downloading while an earlier attempt still is.
  const tmp = path.join(tmpDir, `${fileName}.${randomUUID()}.part`);
  const final = path.join(outDir, fileName);
  const hash = createHash("sha256");
  let bytes = 0;
  try {
    const count = new Transform({
      transform(chunk: Buffer, _encoding, done) {
        bytes += chunk.length;
        hash.update(chunk);
        done(null, chunk);
      },
    });
    // Readable.fromWeb's types come from node:stream/web; the body is the fetch API's ReadableStream.
    const body = Readable.fromWeb(download.body as import("node:stream/web").ReadableStream<Uint8Array>);
    // `flush` syncs the file to disk before the stream reports it closed.
    await pipeline(body, count, createWriteStream(tmp, { flush: true }), signal ? { signal } : {});
    if (download.contentLength !== undefined && bytes !== download.contentLength) {
      throw new Error(`package is truncated: received ${bytes} of ${download.contentLength} bytes`);
    }
    await checkZip(tmp);
    const stored = { file: final, bytes, sha256: hash.digest("hex") };
    const existing = await lstat(final).catch((err: NodeJS.ErrnoException) => {
      if (err.code === "ENOENT") return undefined;
      throw err;
    });
    if (existing?.isDirectory()) {
      // EISDIR, as the rename would fail: a local problem another download does not solve.
      throw Object.assign(new Error(`${final} is a folder; move it away so the package can be stored under that name`), { code: "EISDIR" });
    }
    if (existing && (await fileMatches(final, stored))) {
      await rm(tmp, { force: true });
      await flushFolder(outDir);
      return { ...stored, unchanged: true, keptAs: undefined };
    }
    // A second name first, then the atomic replace: at every moment the other file has a name.
    const keptAs = existing ? await linkAside(final) : undefined;
    await rename(tmp, final);
    await flushFolder(outDir);
    return { ...stored, unchanged: false, keptAs };
  } catch (err) {
    await rm(tmp, { force: true });
    throw err;
  }
}

/** True when `file` is a regular file with exactly the recorded size and SHA-256 (the size is checked first, without reading). */
export async function fileMatches(file: string, expected: Pick<StoredPackage, "bytes" | "sha256">): Promise<boolean> {
  const stat = await lstat(file).catch(() => undefined);
  if (!stat?.isFile() || stat.size !== expected.bytes) return false;
  const hash = createHash("sha256");
  await pipeline(createReadStream(file), hash);
  return hash.digest("hex") === expected.sha256;
}

/** Gives `file` a second, unused name `<file>.replaced-<UTC time>[-n]` and returns it. */
async function linkAside(file: string): Promise<string> {
  const stamp = new Date().toISOString().replace(/[-:]/g, "").replace(/\.\d+Z$/, "Z");
  for (let n = 0; ; n++) {
    const aside = `${file}.replaced-${stamp}${n === 0 ? "" : `-${n}`}`;
    try {
      await link(file, aside);
      return aside;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
    }
  }
}

/** The package arrived whole (its length matched) but is not a zip we can read: downloading it again will not help. */
export class UnreadablePackageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "UnreadablePackageError";
  }
}

/**
 * Reads the zip's central directory entry by entry: a truncated or non-zip file fails here. Entry names are
 * not judged: a name that is unsafe to extract does not make the package unsafe to store (extract.ts refuses it).
 */
export function checkZip(file: string): Promise<number> {
  return new Promise((resolve, reject) => {
    yauzl.open(file, { lazyEntries: true, autoClose: true, decodeStrings: false }, (err, zip) => {
      if (err || !zip) return reject(new UnreadablePackageError(`not a readable zip: ${err?.message ?? "no archive"}`));
      let entries = 0;
      zip.on("entry", () => {
        entries++;
        zip.readEntry();
      });
      zip.on("end", () => resolve(entries));
      zip.on("error", (e: Error) => reject(new UnreadablePackageError(`not a readable zip: ${e.message}`)));
      zip.readEntry();
    });
  });
}

/** SHA-256 of every package (`*.zip`) in a folder, by file name, read as streams. */
export async function packageDigests(dir: string): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (const name of readdirSync(dir).filter((n) => n.endsWith(".zip")).sort()) {
    const hash = createHash("sha256");
    await pipeline(createReadStream(path.join(dir, name)), hash);
    out.set(name, hash.digest("hex"));
  }
  return out;
}
