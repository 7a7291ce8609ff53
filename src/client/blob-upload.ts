import { stat } from "node:fs/promises";
import { errorCodes, ToolError } from "../errors/index.ts";
import { blobOperations, FnoError } from "./errors.ts";
import type { SendOptions, Transport } from "./transport.ts";

const MiB = 1024 * 1024;

/**
 * Uploads a file to a blob SAS URL (GetAzureWriteUrl's) as a block blob: in one Put Blob when it is small, else in
 * blocks (Put Block, then Put Block List), as Azure's own SDKs do. What one request may carry depends on the
 * storage version the request runs at, which for a SAS request is the URL's `sv` (Azure ignores an `x-ms-version`
 * header then), and which `sv` F&O's write URLs carry is not confirmed (docs/platform-assumptions.md, "Data
 * management package API"), so the defaults fit every version.
 */

export interface BlobUploadSettings {
  /**
   * Files up to this size go in one Put Blob, when the URL's version takes that much in one; larger ones go in blocks.
   * Default 64 MiB: what Put Blob takes at every version, and the most a broken connection makes the client resend.
   */
  singleUploadMaxBytes: number;
  /**
   * Bytes per block. Default 4 MiB, what Put Block takes at every version (Azure's SDKs default to it too); raised
   * when the file would need more than 50,000 blocks, up to the largest block the URL's version takes.
   */
  blockBytes: number;
  /**
   * Blocks in flight at once. Default 4: a few concurrent requests hide each one's round trip to the storage, while
   * a flow host or a small VM sharing a link with other work is not saturated. Memory does not grow with it: each
   * block streams from disk with the socket's backpressure.
   */
  concurrency: number;
}

export const defaultBlobUploadSettings: BlobUploadSettings = { singleUploadMaxBytes: 64 * MiB, blockBytes: 4 * MiB, concurrency: 4 };

/** The settings in force: `given` over the defaults, each a positive integer (a RangeError names one that is not). */
export function blobUploadSettings(given: Partial<BlobUploadSettings> = {}): BlobUploadSettings {
  const settings = { ...defaultBlobUploadSettings, ...given };
  for (const [name, value] of Object.entries(settings)) {
    if (!Number.isSafeInteger(value) || value < 1) throw new RangeError(`blobUpload.${name} must be a positive integer, not ${value}`);
  }
  return settings;
}

/** The most blocks a committed block blob holds (Azure "Put Block List"). */
export const maxBlocksPerBlob = 50_000;

/** What a SAS URL's storage version lets one request carry. */
export interface StorageLimits {
  /** The URL's `sv`, or undefined when it names none (the oldest limits are assumed: they hold at every version). */
  version: string | undefined;
  /** The largest blob one Put Blob writes. */
  putBlobBytes: number;
  /** The largest block one Put Block takes. */
  blockBytes: number;
}

/**
 * Azure "Understanding block blobs, append blobs, and page blobs" and "Put Block": Put Blob takes 64 MiB and Put
 * Block 4 MiB before 2016-05-31, 256 MiB and 100 MiB up to 2019-07-07, 5000 MiB and 4000 MiB from 2019-12-12.
 */
export function storageLimits(url: string): StorageLimits {
  const sv = new URL(url).searchParams.get("sv");
  const version = sv !== null && /^\d{4}-\d{2}-\d{2}$/.test(sv) ? sv : undefined;
  // ISO dates compare as strings.
  if (version !== undefined && version >= "2019-12-12") return { version, putBlobBytes: 5000 * MiB, blockBytes: 4000 * MiB };
  if (version !== undefined && version >= "2016-05-31") return { version, putBlobBytes: 256 * MiB, blockBytes: 100 * MiB };
  return { version, putBlobBytes: 64 * MiB, blockBytes: 4 * MiB };
}

/** How a file of `size` bytes goes to `url`: one Put Blob, or `count` blocks of `blockBytes` (the last one shorter). */
export type UploadPlan = { kind: "single" } | { kind: "blocks"; blockBytes: number; count: number };

/** The upload plan; a file larger than 50,000 of the largest blocks the URL's version takes is refused (exit code 1). */
export function planUpload(url: string, file: string, size: number, settings: BlobUploadSettings): UploadPlan {
  const limits = storageLimits(url);
  if (size <= Math.min(settings.singleUploadMaxBytes, limits.putBlobBytes)) return { kind: "single" };
  const blockBytes = Math.min(Math.max(settings.blockBytes, Math.ceil(size / maxBlocksPerBlob)), limits.blockBytes);
  const count = Math.ceil(size / blockBytes);
  if (count > maxBlocksPerBlob) {
    throw new ToolError(
      errorCodes.invalid,
      `${blobOperations.upload}: ${file} is ${size} bytes, and a block blob at the write URL's storage version ${limits.version ?? "(none named)"} holds at most ` +
        `${maxBlocksPerBlob} blocks of ${limits.blockBytes} bytes (${limits.blockBytes / MiB} MiB); split the data into smaller packages`,
    );
  }
  return { kind: "blocks", blockBytes, count };
}

/**
 * A Put Block or Put Block List that failed. Still an FnoError with the storage's status (so a 403 still reads as
 * an expired write URL), and its message says which block: `BlobUpload failed at Put Block 3 of 17 (bytes
 * 8388608-12582911) [AuthenticationFailed]: HTTP 403 …`.
 */
export class BlobBlockError extends FnoError {
  /** "Put Block 3 of 17 (bytes 8388608-12582911)" or "Put Block List (17 blocks)". */
  readonly step: string;
  /** Azure's error code (`<Code>` of its XML error body), when it sent one. */
  readonly azureCode: string | undefined;

  constructor(failed: FnoError, step: string) {
    super({ operation: failed.operation, method: failed.method, url: failed.url, status: failed.status, body: failed.odata, retryAfterMs: failed.retryAfterMs, stage: failed.stage, cause: failed });
    this.name = "BlobBlockError";
    this.step = step;
    this.azureCode = failed.odata?.message === undefined ? undefined : /<Code>([^<]+)<\/Code>/.exec(failed.odata.message)?.[1];
    const prefix = `${failed.operation} failed: `;
    const what = failed.message.startsWith(prefix) ? failed.message.slice(prefix.length) : failed.message;
    this.message = `${failed.operation} failed at ${step}${this.azureCode ? ` [${this.azureCode}]` : ""}: ${what}`;
  }
}

/**
 * Uploads `file` to the SAS URL `url` (see the module comment). The F&O token is never sent: the URL's signature is
 * its authorisation, whatever host it names.
 *
 * - One Put Blob is streamed from disk by Transport.sendFile; a retry resends the file, and writing the same blob
 *   again replaces it.
 * - Each block streams from its byte range of the file through Transport.sendFile too, at most `concurrency` at a
 *   time; each is retried alone by the transport's policy, since putting a block again under the same ID replaces
 *   it. The first block that fails stops the others and is reported with its number and byte range. Put Block List
 *   then commits the blocks in order; sending the same list again commits the same blob, so it is retried too.
 * - Block IDs are the block's number, zero-padded, in base64: all of one length, as Azure requires.
 */
export async function uploadFile(transport: Transport, url: string, file: string, settings: BlobUploadSettings, signal: AbortSignal | undefined): Promise<void> {
  const { size } = await stat(file);
  const plan = planUpload(url, file, size, settings);
  // Every request is a SAS PUT, safe to repeat, without the F&O token.
  const sendOptions = (abort: AbortSignal | undefined): SendOptions => ({ operation: blobOperations.upload, retry: "idempotent", authorize: false, signal: abort });
  if (plan.kind === "single") {
    const headers = { "x-ms-blob-type": "BlockBlob", "content-type": "application/octet-stream" };
    await transport.sendFile(new Request(url, { method: "PUT", headers }), file, sendOptions(signal));
    return;
  }

  const ids = Array.from({ length: plan.count }, (_, index) => Buffer.from(String(index).padStart(6, "0")).toString("base64"));
  // Aborted by the caller's signal, or by the first block that fails, so the blocks still in flight stop.
  const stop = new AbortController();
  const onAbort = () => stop.abort(signal?.reason);
  signal?.addEventListener("abort", onAbort, { once: true });
  let failure: { error: unknown } | undefined;
  let next = 0;
  const putBlocks = async (): Promise<void> => {
    while (failure === undefined && next < plan.count) {
      const index = next++;
      const start = index * plan.blockBytes;
      const end = Math.min(size, start + plan.blockBytes);
      const step = `Put Block ${index + 1} of ${plan.count} (bytes ${start}-${end - 1})`;
      try {
        const block = new Request(withQuery(url, `comp=block&blockid=${encodeURIComponent(ids[index]!)}`), { method: "PUT" });
        await transport.sendFile(block, file, sendOptions(stop.signal), { start, end });
      } catch (err) {
        failure ??= { error: err instanceof FnoError ? new BlobBlockError(err, step) : err };
        stop.abort(failure.error);
      }
    }
  };
  try {
    signal?.throwIfAborted();
    await Promise.all(Array.from({ length: Math.min(settings.concurrency, plan.count) }, putBlocks));
  } finally {
    signal?.removeEventListener("abort", onAbort);
  }
  if (signal?.aborted) throw signal.reason;
  if (failure !== undefined) throw failure.error;

  const list = `<?xml version="1.0" encoding="utf-8"?><BlockList>${ids.map((id) => `<Latest>${id}</Latest>`).join("")}</BlockList>`;
  // x-ms-blob-content-type: the committed blob gets the content type one Put Blob would have given it.
  const headers = { "content-type": "application/xml", "x-ms-blob-content-type": "application/octet-stream" };
  try {
    const response = await transport.send(new Request(withQuery(url, "comp=blocklist"), { method: "PUT", headers, body: list }), sendOptions(signal));
    await response.body?.cancel();
  } catch (err) {
    throw err instanceof FnoError ? new BlobBlockError(err, `Put Block List (${plan.count} blocks)`) : err;
  }
}

/** The SAS URL with more query parameters, appended to its query text so the signature's encoding stays as F&O wrote it. */
function withQuery(url: string, query: string): string {
  const hash = url.indexOf("#");
  const base = hash === -1 ? url : url.slice(0, hash);
  return `${base}${base.includes("?") ? "&" : "?"}${query}`;
}
