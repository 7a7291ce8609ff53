import { createHash, randomUUID, type Hash } from "node:crypto";
import { close as closeFd, createReadStream, fsync, ftruncateSync, open, readdirSync, writeSync } from "node:fs";
import { link, lstat, mkdir, rename, rm } from "node:fs/promises";
import path from "node:path";
import { pipeline } from "node:stream/promises";
import { promisify } from "node:util";
import yauzl from "yauzl";
import type { DequeueMessage, DownloadSink, FnoClient, PackageDownload, RetryBudget } from "../client/index.ts";
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

export interface FileSinkOptions {
  hash: boolean;
  /** Keep a copy of the bytes in memory while they are at most this long (default 0: none). */
  keepBytes?: number;
}

/**
 * A download's bytes into a file, hashed on the way. Each chunk is written at once, synchronously, at its
 * position in the file: the chunks are borrowed (a download's reads may land in one reused buffer, see
 * DownloadSink), so nothing may hold on to them, and no stream machinery sits between the socket and the
 * file, the cheapest path measured (bench/download.ts). A restart empties the file and the hash.
 */
export class FileSink implements DownloadSink {
  readonly #fd: number;
  #hash: Hash | undefined;
  readonly #hashing: boolean;
  /** A copy of what was written while it is at most `keepBytes` long (see `contents`). */
  readonly #keepBytes: number;
  #kept: Buffer[] = [];
  /** Bytes written. */
  bytes = 0;

  private constructor(fd: number, options: FileSinkOptions) {
    this.#fd = fd;
    this.#hashing = options.hash;
    this.#hash = options.hash ? createHash("sha256") : undefined;
    this.#keepBytes = options.keepBytes ?? 0;
  }

  /**
   * Creates (or empties) `file`. Opened off the event loop: creating a file waits for the file system's journal
   * (ext4 behind a concurrent fsync), and a sync run creating one per message stalled every other worker.
   */
  static async open(file: string, options: FileSinkOptions): Promise<FileSink> {
    return new FileSink(await promisify(open)(file, "w"), options);
  }

  /** Writes `chunk` at its position, an explicit one: after a restart the file is empty but the descriptor's offset is not. */
  write(chunk: Uint8Array): void {
    this.#hash?.update(chunk);
    for (let done = 0; done < chunk.length; ) {
      // A short write (a signal, a nearly full disk) writes the rest in another call; a full one throws.
      done += writeSync(this.#fd, chunk, done, chunk.length - done, this.bytes + done);
    }
    this.bytes += chunk.length;
    if (this.bytes <= this.#keepBytes) this.#kept.push(Buffer.from(chunk));
    else if (this.#kept.length > 0) this.#kept = [];
  }

  restart(): void {
    ftruncateSync(this.#fd, 0);
    this.#hash = this.#hashing ? createHash("sha256") : undefined;
    this.#kept = [];
    this.bytes = 0;
  }

  /** Everything written, when it is at most `keepBytes` long: the file's bytes, to check without reading it back. */
  contents(): Buffer | undefined {
    return this.bytes <= this.#keepBytes ? Buffer.concat(this.#kept) : undefined;
  }

  /** SHA-256 (hex) of what was written, when hashing. */
  digest(): string {
    return this.#hash?.digest("hex") ?? "";
  }

  /** Closes the file, first syncing it to disk when asked; off the event loop, where a slow disk stalls nothing else. */
  async close(options: { flush: boolean }): Promise<void> {
    try {
      if (options.flush) await promisify(fsync)(this.#fd);
    } finally {
      await promisify(closeFd)(this.#fd);
    }
  }
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
export async function storePackage(download: Pick<PackageDownload, "body" | "contentLength">, outDir: string, fileName: string, signal?: AbortSignal): Promise<StoreResult> {
  return stagePackage(
    outDir,
    fileName,
    async (sink) => {
      // Nothing here resumes: the bytes are what one stream gave.
      await streamInto(sink, download.body, download.contentLength, signal);
      return false;
    },
    { flushFolder: () => flushFolder(outDir) },
  );
}

/**
 * Writes a stream's bytes into a sink and checks that as many arrived as the response announced
 * (Content-Length): a body cut short is an error, never a file that looks complete.
 */
export async function streamInto(sink: DownloadSink, body: ReadableStream<Uint8Array>, contentLength: number | undefined, signal?: AbortSignal): Promise<void> {
  let received = 0;
  for await (const chunk of body as unknown as AsyncIterable<Uint8Array>) {
    signal?.throwIfAborted();
    await sink.write(chunk);
    received += chunk.length;
  }
  if (contentLength !== undefined && received !== contentLength) {
    throw new Error(`the download is truncated: received ${received} of ${contentLength} bytes`);
  }
}

/**
 * Fills `tmp` through a FileSink and closes it (synced to disk when `flush`); on any failure the file is
 * removed. The one way every download path here writes bytes to a file; the callers then put it under its name.
 * The file is created while `fill` starts (a download's request is in flight), not before: `fill` gets a sink
 * whose first bytes wait for the open. `whileClosing` checks what was written while the file is synced and
 * closed (a failed check fails the fill). `makeFolder` creates tmp's folder when it is missing: when the file
 * cannot be created, not before every file (a file system call each, for every package of a sync).
 */
export async function fillTemporary<T, C = undefined>(
  tmp: string,
  fill: (sink: DownloadSink) => Promise<T>,
  options: FileSinkOptions & { flush: boolean; makeFolder?: boolean; whileClosing?: (sink: FileSink, result: T) => Promise<C> },
): Promise<{ sink: FileSink; result: T; checked: C | undefined }> {
  const file = new OpeningSink(
    FileSink.open(tmp, options).catch(async (err: NodeJS.ErrnoException) => {
      if (!options.makeFolder || err.code !== "ENOENT") throw err;
      await mkdir(path.dirname(tmp), { recursive: true });
      return FileSink.open(tmp, options);
    }),
  );
  try {
    let result: T;
    try {
      result = await fill(file);
    } catch (err) {
      // The fill's failure is the one to report; the file is closed if it was opened at all.
      await file.opened().then((sink) => sink.close({ flush: false }), () => undefined);
      throw err;
    }
    const sink = await file.opened();
    const [closed, checked] = await Promise.allSettled([sink.close({ flush: options.flush }), options.whileClosing?.(sink, result)]);
    if (closed.status === "rejected") throw closed.reason;
    if (checked.status === "rejected") throw checked.reason;
    return { sink, result, checked: checked.value };
  } catch (err) {
    await removeAfterFailure(tmp);
    throw err;
  }
}

/** Removes a temporary file after a failure; a removal that fails too (its folder is a file: ENOTDIR) must not hide the failure. */
const removeAfterFailure = (tmp: string): Promise<void> => rm(tmp, { force: true }).catch(() => undefined);

/**
 * A FileSink being opened, for a download that starts at the same time: the open (a trip through the thread
 * pool, behind other workers' fsyncs on ext4) overlaps the request instead of coming before it. Bytes that arrive
 * before the file is open are copied (they are borrowed, see DownloadSink) and written once it is, in order, and
 * the write's promise holds the download back until then.
 */
class OpeningSink implements DownloadSink {
  #sink: FileSink | undefined;
  /** The open, then each write or restart that waited for it: settles after the last of them, rejects at the first failure. */
  #queue: Promise<FileSink>;

  constructor(opening: Promise<FileSink>) {
    this.#queue = this.#settle(opening.then((sink) => (this.#sink = sink)));
  }

  write(chunk: Uint8Array): void | Promise<void> {
    if (this.#sink) return this.#sink.write(chunk);
    const copy = Buffer.from(chunk);
    return this.#afterOpen((sink) => sink.write(copy));
  }

  restart(): void | Promise<void> {
    if (this.#sink) return this.#sink.restart();
    return this.#afterOpen((sink) => sink.restart());
  }

  /** The open file once every write so far is in it (a download may end before its last write's promise settles). */
  opened(): Promise<FileSink> {
    return this.#queue;
  }

  #afterOpen(step: (sink: FileSink) => void): Promise<void> {
    this.#queue = this.#settle(this.#queue.then((sink) => (step(sink), sink)));
    return this.#queue.then(() => undefined);
  }

  /** A failure here is the fill's to report (or fillTemporary's, which always awaits `opened`), never unhandled in between. */
  #settle(queue: Promise<FileSink>): Promise<FileSink> {
    queue.catch(() => undefined);
    return queue;
  }
}

/**
 * Writes `file` through `<file>.partial` beside it, renamed when complete: a failed or cut-short download
 * leaves nothing under the name (the CLI's `download --out` and `invoke --out`). `check` judges the written
 * partial file, given what `fill` returned, before the rename; when it throws, nothing is left either.
 */
export async function writeFileThroughPartial<T>(file: string, fill: (sink: DownloadSink) => Promise<T>, check?: (partial: string, filled: T) => Promise<void>): Promise<number> {
  const partial = `${file}.partial`;
  const { sink } = await fillTemporary(partial, fill, { flush: false, hash: false, ...(check ? { whileClosing: (_sink: FileSink, filled: T) => check(partial, filled) } : {}) });
  try {
    await rename(partial, file);
  } catch (err) {
    await rm(partial, { force: true });
    throw err;
  }
  return sink.bytes;
}

/**
 * Downloads a message's package with `client.downloadTo` (resuming after a broken body, within `budget`) and
 * stores it as `storePackage` does.
 */
export async function downloadPackage(
  client: FnoClient,
  message: DequeueMessage,
  outDir: string,
  fileName: string,
  options: StageSteps & {
    signal?: AbortSignal | undefined;
    budget?: RetryBudget | undefined;
  },
): Promise<StoreResult> {
  return stagePackage(
    outDir,
    fileName,
    async (sink) => {
      const result = await client.downloadTo(message, sink, { ...(options.signal ? { signal: options.signal } : {}), ...(options.budget ? { budget: options.budget } : {}) });
      return result.resumes > 0;
    },
    options,
  );
}

/** What a store does around its own steps: how the folder is flushed, and what a caller records and observes. */
export interface StageSteps {
  /** Makes the rename in the output folder durable: flushFolder, or a FolderFlusher shared by concurrent stores. */
  flushFolder: () => Promise<void>;
  /**
   * Records the package as stored (a journal line), run alongside the folder's flush once the package is under
   * its name: the store resolves when both are on disk. A crash between them loses nothing: a line whose file
   * is missing or different is not trusted (fileMatches), and a file without a line is compared when downloaded again.
   */
  record?: ((stored: StoreResult) => Promise<void>) | undefined;
  /** Called once the bytes are in the temporary file, flushed and checked, before they are renamed (a crash test's hook). */
  onDownloaded?: (() => void) | undefined;
}

/**
 * Fills a temporary file through `fill` (which says whether the bytes were stitched from a resumed transfer),
 * then checks it and puts it under its final name (see storePackage).
 */
async function stagePackage(outDir: string, fileName: string, fill: (sink: DownloadSink) => Promise<boolean>, steps: StageSteps): Promise<StoreResult> {
  const tmpDir = path.join(outDir, stateDirName, "partial");
  // Unique per attempt: a redelivered message may be downloading while an earlier attempt still is.
  const tmp = path.join(tmpDir, `${fileName}.${randomUUID()}.part`);
  const final = path.join(outDir, fileName);
  const { sink, checked: existing } = await fillTemporary(tmp, fill, {
    flush: true,
    hash: true,
    keepBytes: zipInMemoryBytes,
    makeFolder: true,
    // While the file is synced: the zip check, and what is under the final name now.
    whileClosing: async (sink, stitched) => {
      const [, existing] = await Promise.all([
        checkZip(sink.contents() ?? tmp).catch((err: unknown) => {
          throw err instanceof UnreadablePackageError && stitched ? new UnreadablePackageError(err.message, true) : err;
        }),
        lstat(final).catch((err: NodeJS.ErrnoException) => {
          if (err.code === "ENOENT") return undefined;
          throw err;
        }),
      ]);
      return existing;
    },
  });
  steps.onDownloaded?.();
  const settle = async (result: StoreResult): Promise<StoreResult> => {
    await Promise.all([steps.flushFolder(), steps.record?.(result)]);
    return result;
  };
  try {
    const stored = { file: final, bytes: sink.bytes, sha256: sink.digest() };
    if (existing?.isDirectory()) {
      // EISDIR, as the rename would fail: a local problem another download does not solve.
      throw Object.assign(new Error(`${final} is a folder; move it away so the package can be stored under that name`), { code: "EISDIR" });
    }
    if (existing && (await fileMatches(final, stored))) {
      await rm(tmp, { force: true });
      return await settle({ ...stored, unchanged: true, keptAs: undefined });
    }
    // A second name first, then the atomic replace: at every moment the other file has a name.
    const keptAs = existing ? await linkAside(final) : undefined;
    await rename(tmp, final);
    return await settle({ ...stored, unchanged: false, keptAs });
  } catch (err) {
    await removeAfterFailure(tmp);
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

/**
 * The package arrived whole (its length matched) but is not a zip we can read. Downloading it again helps only
 * when it was `stitched` together from a broken transfer and its resumption (the package may have changed
 * between them where the server sent no validator to tell); otherwise the same bytes would come again.
 */
export class UnreadablePackageError extends Error {
  readonly stitched: boolean;

  constructor(message: string, stitched = false) {
    super(message);
    this.name = "UnreadablePackageError";
    this.stitched = stitched;
  }
}

/**
 * Reads the zip's central directory (of a file, or of its bytes) entry by entry: a truncated or non-zip file fails here. Entry names are
 * not judged: a name that is unsafe to extract does not make the package unsafe to store (extract.ts refuses it).
 */
export function checkZip(zipFile: string | Buffer): Promise<number> {
  const options = { lazyEntries: true, autoClose: true, decodeStrings: false };
  return new Promise((resolve, reject) => {
    const opened = (err: Error | null, zip: yauzl.ZipFile | undefined) => {
      if (err || !zip) return reject(new UnreadablePackageError(`not a readable zip: ${err?.message ?? "no archive"}`));
      let entries = 0;
      zip.on("entry", () => {
        entries++;
        zip.readEntry();
      });
      zip.on("end", () => resolve(entries));
      zip.on("error", (e: Error) => reject(new UnreadablePackageError(`not a readable zip: ${e.message}`)));
      zip.readEntry();
    };
    if (typeof zipFile === "string") yauzl.open(zipFile, options, opened);
    else yauzl.fromBuffer(zipFile, options, opened);
  });
}

/**
 * Packages up to this size are checked from a copy kept in memory as they are written: from a file, yauzl reads
 * each central directory entry with two system calls, which for small packages was most of a sync's time per
 * message outside its requests. At most this much per worker.
 */
const zipInMemoryBytes = 256 * 1024;

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
