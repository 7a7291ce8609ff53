import { FnoError } from "./errors.ts";
import type { ResponseBody } from "./response-body.ts";
import type { RetryBudget } from "./retry.ts";
import { errorCode, type Transport } from "./transport.ts";

/** Where a download's bytes go. Writes come in order; a restart voids everything written before it. */
export interface DownloadSink {
  /**
   * Takes the next bytes. They are borrowed: the buffer is reused for the bytes after them once `write` returns
   * (or its promise settles), so a sink that keeps them copies them. A sink that writes synchronously returns
   * nothing, which keeps the loop cheap.
   */
  write(chunk: Uint8Array): void | Promise<void>;
  /** The server ignored the Range request, or the package changed: the bytes come again from the first. */
  restart(): void | Promise<void>;
}

export interface DownloadResult {
  url: string;
  /** Bytes of the package, all written to the sink. */
  bytes: number;
  /** From the first answer's Content-Length (or Content-Range total), when the server sent one. */
  contentLength: number | undefined;
  /** Requests sent, the first one included. */
  requests: number;
  /** Continuations with Range that the server honoured. */
  resumes: number;
  /** Times the sink was told to start over. */
  restarts: number;
  /** Bytes received over the network, resent ones included. */
  received: number;
  /**
   * The last answer's body ended where its connection did (no Content-Length, not chunked) and no length was
   * announced before: a connection cut off midway would look the same, so `bytes` may be short. Check the
   * package itself (a zip: checkZip).
   */
  lengthUnchecked: boolean;
}

/** The package arrived with more bytes than its length announced: the bytes cannot be trusted. */
export class DownloadIntegrityError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "DownloadIntegrityError";
  }
}

/** The body kept breaking off until the retry budget was spent. */
export class DownloadInterruptedError extends Error {
  constructor(message: string, options: { cause: unknown }) {
    super(message, options);
    this.name = "DownloadInterruptedError";
  }
}

interface ResumeState {
  offset: number;
  /** Total size once known. */
  total: number | undefined;
  /** Strong ETag, else Last-Modified, of the first full answer: sent as If-Range so a changed package comes whole. */
  validator: string | undefined;
}

/**
 * The download loop: one GET, then, each time the body breaks off, a GET with `Range: bytes=<received>-` and
 * `If-Range: <validator>`. A 206 whose Content-Range starts where the bytes stopped (and has the same total)
 * continues the file; a 200 (Range ignored, or the validator no longer matches) or a 416 starts it over. Whether
 * F&O's download endpoint honours Range is unknown (docs/platform-assumptions.md), so both paths are first-class.
 * Status and connection retries are the transport's; this loop adds body failures, all within one budget.
 */
export async function downloadResumable(
  transport: Transport,
  url: string,
  sink: DownloadSink,
  options: { authorize: boolean; budget: RetryBudget; signal: AbortSignal | undefined; operation?: string },
): Promise<DownloadResult> {
  const { budget, signal } = options;
  const operation = options.operation ?? "Download";
  const state: ResumeState = { offset: 0, total: undefined, validator: undefined };
  const result: DownloadResult = { url, bytes: 0, contentLength: undefined, requests: 0, resumes: 0, restarts: 0, received: 0, lengthUnchecked: false };
  for (;;) {
    const resuming = state.offset > 0;
    const headers = new Headers();
    if (resuming) {
      headers.set("range", `bytes=${state.offset}-`);
      if (state.validator) headers.set("if-range", state.validator);
    }
    const before = budget.attempts;
    let response;
    try {
      response = await transport.sendStreamed(new Request(url, { method: "GET", headers }), {
        operation,
        retry: "idempotent",
        authorize: options.authorize,
        signal,
        budget,
      });
    } catch (err) {
      result.requests += budget.attempts - before;
      // 416: the server no longer has those bytes (a shorter package): start over, if the budget allows.
      if (!(resuming && err instanceof FnoError && err.status === 416 && budget.allows(0))) throw err;
      await restart(sink, state, result);
      continue;
    }
    result.requests += budget.attempts - before;

    const range = resuming ? contentRangeOf(response.headers.get("content-range")) : undefined;
    if (resuming && !continues(response.status, range, state)) {
      if (response.status !== 200) {
        // A 206 for other bytes than asked: never stitched in. Ask for the whole package instead.
        response.body.discard();
        const asked = state.offset;
        await restart(sink, state, result);
        if (!budget.allows(0)) throw new DownloadIntegrityError(`the server answered a Range request for bytes ${asked}- with other bytes`);
        continue;
      }
      await restart(sink, state, result);
    }
    if (state.offset === 0) {
      const length = response.headers.get("content-length");
      state.total = length === null ? undefined : Number(length);
      state.validator = validatorOf(response.headers);
    } else {
      // A first answer without a length (ended by the close, here broken off): the 206's total is the package's.
      state.total ??= range?.total;
      result.resumes++;
    }
    result.contentLength ??= state.total;

    try {
      await drain(response.body, (chunk) => {
        state.offset += chunk.length;
        result.received += chunk.length;
        return sink.write(chunk);
      });
    } catch (err) {
      if (signal?.aborted) throw signal.reason;
      // A sink that cannot write (a full disk) is not a broken transfer: another request would not help.
      if (err instanceof SinkFailure) throw err.cause;
      const delay = transport.backoff(budget);
      if (!budget.allows(delay)) {
        const of = state.total === undefined ? "" : ` of ${state.total}`;
        throw new DownloadInterruptedError(`Download broke off after ${state.offset}${of} bytes (${errorCode(err) ?? (err as Error).message}) and the retry budget is spent (${budget.attempts} requests)`, { cause: err });
      }
      await transport.wait(operation, budget, `body broke off after ${state.offset} bytes (${errorCode(err) ?? "no code"})`, signal);
      continue;
    }
    if (state.total !== undefined && state.offset > state.total) {
      throw new DownloadIntegrityError(`package is longer than announced: received ${state.offset} of ${state.total} bytes`);
    }
    if (state.total !== undefined && state.offset < state.total) {
      // A clean close short of the length: a body failure like a reset.
      if (!budget.allows(0)) throw new DownloadInterruptedError(`package is truncated: received ${state.offset} of ${state.total} bytes`, { cause: undefined });
      continue;
    }
    result.bytes = state.offset;
    // With a total (the first answer's, or a 206's), a short body was caught above, whatever this one's framing.
    result.lengthUnchecked = response.lengthUnchecked && state.total === undefined;
    return result;
  }
}

/** An error thrown by the sink, told apart from the body's own errors. */
class SinkFailure extends Error {}

/** Feeds a body to `onChunk`. Rejects with the body's error, or a SinkFailure with the sink's; resolves at the end. */
function drain(body: ResponseBody, onChunk: (chunk: Uint8Array) => void | Promise<void>): Promise<void> {
  const sinkFailed = (cause: unknown) => {
    throw new SinkFailure("the sink failed", { cause });
  };
  return body.read((chunk) => {
    let pending;
    try {
      pending = onChunk(chunk);
    } catch (err) {
      sinkFailed(err);
    }
    return pending?.catch(sinkFailed);
  });
}

async function restart(sink: DownloadSink, state: ResumeState, result: DownloadResult): Promise<void> {
  await sink.restart();
  state.offset = 0;
  state.validator = undefined;
  result.restarts++;
}

/** A 206's Content-Range: the bytes it carries, and the package's total unless the server gave `*`. */
interface ContentRange {
  start: number;
  end: number;
  total: number | undefined;
}

/** Parses `bytes <start>-<end>/<total or *>`; undefined when absent or anything else. */
function contentRangeOf(header: string | null): ContentRange | undefined {
  const match = header === null ? null : /^bytes (\d+)-(\d+)\/(\d+|\*)$/.exec(header.trim());
  if (!match) return undefined;
  return { start: Number(match[1]), end: Number(match[2]), total: match[3] === "*" ? undefined : Number(match[3]) };
}

/** Whether an answer to `Range: bytes=<offset>-` continues the bytes received so far. */
function continues(status: number, range: ContentRange | undefined, state: ResumeState): boolean {
  if (status !== 206 || range === undefined) return false;
  if (range.start !== state.offset) return false;
  if (state.total !== undefined && (range.total !== state.total || range.end !== state.total - 1)) return false;
  return true;
}

/** A validator If-Range can carry: a strong ETag (a weak one never matches, RFC 9110 §13.1.5), else Last-Modified. */
function validatorOf(headers: Headers): string | undefined {
  const etag = headers.get("etag");
  if (etag && !etag.startsWith("W/")) return etag;
  return headers.get("last-modified") ?? undefined;
}
