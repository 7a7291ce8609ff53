import type { TokenCredential } from "@azure/core-auth";
import { createReadStream, openAsBlob } from "node:fs";
import { stat } from "node:fs/promises";
import http, { type IncomingMessage } from "node:http";
import https from "node:https";
import { Readable } from "node:stream";
import { BearerTokenCache, scopeFor } from "./auth.ts";
import { DownloadAgent } from "./download-agent.ts";
import { FnoError, parseErrorBody } from "./errors.ts";
import { Pacer } from "./pacer.ts";
import { bodyText, webStreamBody, type ResponseBody } from "./response-body.ts";
import { defaultRetryOptions, parseRetryAfter, RetryBudget, sleep, type RetryOptions } from "./retry.ts";

/**
 * How a call may be repeated:
 * - `idempotent`: repeating it cannot do harm, so 502/504 and connection failures are retried too.
 * - `rejected-only`: it must not be re-sent once it may have reached the server (Enqueue would create a second
 *   message); only answers in which the server refused it (429, 503, a 401 before a token refresh) or a
 *   connection that was never established are retried.
 */
export type RetryMode = "idempotent" | "rejected-only";

export interface SendOptions {
  operation: string;
  retry: RetryMode;
  /** Attach the bearer token. Only ever true for the environment's own origin. */
  authorize: boolean;
  signal?: AbortSignal | undefined;
  /** Attempts and time shared with other requests of the same call (a download's resumes); default: a new one. */
  budget?: RetryBudget | undefined;
}

export interface TransportOptions {
  environmentUrl: string;
  credential: TokenCredential;
  /**
   * Sends every request through this function instead of the network stack (HTTP mocks, scripted tests).
   * Without it, every request goes through node:http (see `send` for why not the global fetch).
   */
  fetch?: (request: Request) => Promise<Response>;
  /** The retry policy; what is not given comes from `defaultRetryOptions`. */
  retry?: Partial<RetryOptions>;
  now?: () => number;
  random?: () => number;
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  /** Told about every wait before a retry, e.g. for logs or progress output. */
  onRetry?: (event: RetryEvent) => void;
}

export interface RetryEvent {
  operation: string;
  attempt: number;
  delayMs: number;
  reason: string;
}

/** Bytes `start` up to, not including, `end` of a file. */
export interface ByteRange {
  start: number;
  end: number;
}

/** A 2xx answer whose body is read once by the caller, in borrowed chunks (`sendStreamed`). */
export interface StreamedResponse {
  status: number;
  headers: Headers;
  body: ResponseBody;
  url: string;
  /** The body ends where its connection does (no Content-Length, not chunked): a cut-off one would look whole (DownloadAnswer). */
  lengthUnchecked: boolean;
}

/** What one attempt sends: the request's head, with the token of that attempt. */
interface Outgoing {
  url: string;
  method: string;
  headers: Headers;
}

/** One answer, whichever HTTP stack produced it: what the retry loop needs, and the answer itself. */
interface Reply<T> {
  status: number;
  statusText: string;
  headers: Headers;
  url: string;
  /** Releases the connection without reading the body. */
  discard(): Promise<void>;
  text(): Promise<string>;
  /** The answer as the caller gets it; taken once, and only when it is not retried (it may lock the body). */
  value(): T;
}

const timerMarginMs = 2;

/**
 * Sends requests to one F&O environment: bearer token, one token refresh on 401, the retry policy (see
 * retry.ts) with Retry-After honoured, redirects surfaced rather than followed, and every failure turned into an
 * FnoError.
 */
export class Transport {
  readonly origin: string;
  /** The policy in force, defaults filled in. */
  readonly retryPolicy: RetryOptions;
  readonly #tokens: BearerTokenCache;
  readonly #fetch: ((request: Request) => Promise<Response>) | undefined;
  readonly #now: () => number;
  readonly #random: () => number;
  readonly #sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
  readonly #onRetry: ((event: RetryEvent) => void) | undefined;
  /** Throttling is per caller, not per request: after a Retry-After, no call of this client goes out before it expires. */
  #notBefore = 0;
  readonly #pacer = new Pacer();
  readonly #downloads = new DownloadAgent({ timeoutMs: idleTimeoutMs });

  constructor(options: TransportOptions) {
    this.origin = new URL(options.environmentUrl).origin;
    this.#now = options.now ?? Date.now;
    this.#tokens = new BearerTokenCache(options.credential, scopeFor(options.environmentUrl), this.#now);
    this.#fetch = options.fetch;
    this.retryPolicy = { ...defaultRetryOptions, ...options.retry };
    this.#random = options.random ?? Math.random;
    this.#sleep = options.sleep ?? sleep;
    this.#onRetry = options.onRetry;
  }

  /** A budget for a call made of several requests; pass it to each of them in `SendOptions.budget`. */
  budget(maxAttempts = this.retryPolicy.maxAttempts): RetryBudget {
    return new RetryBudget({ ...this.retryPolicy, maxAttempts }, this.#now);
  }

  /**
   * Sends `request` and resolves with a 2xx response; anything else rejects with FnoError. For small JSON calls:
   * the answer's body is read whole before this resolves. Without a custom fetch it goes through node:http, which
   * costs a fraction of the CPU fetch does per request (fetch builds and clones undici Requests, each with an abort
   * signal of its own: about half the CPU of a sync, README "Benchmarks"); the body is read once and resent as is.
   */
  async send(request: Request, options: SendOptions): Promise<Response> {
    const custom = this.#fetch;
    const body = custom || request.body === null ? undefined : Buffer.from(await request.arrayBuffer());
    // fetch keeps an abort listener on the signal it is given until the request is garbage-collected, so a
    // long-lived signal (a sync run's) would collect thousands: each call gets a signal of its own, linked to the
    // caller's only while it runs.
    const link = linkedSignal(options.signal);
    try {
      const reply = await this.#exchange(request, options, link.signal, async (outgoing, signal) => {
        if (custom) {
          const response = await custom(fetchRequest(request, outgoing, signal));
          return fetchReply(response, () => response);
        }
        const answer = await httpSend(outgoing.url, { ...outgoing, signal, ...(body ? { body } : {}) });
        const bytes = Buffer.concat(await answer.toArray());
        return nodeReply(answer, outgoing.url, (headers) => {
          // A Response may not carry a body with these statuses.
          const empty = answer.statusCode === 204 || answer.statusCode === 205;
          return new Response(empty ? null : bytes, { status: answer.statusCode ?? 0, statusText: answer.statusMessage ?? "", headers });
        }, bytes);
      });
      return reply.value();
    } finally {
      link.release();
    }
  }

  /**
   * Like `send`, for a GET whose body is large: the body comes from this transport's DownloadAgent, whose
   * connections read into one reused buffer each and hand its bytes over without a copy, the cheapest download
   * path measured (download-agent.ts, README "Benchmarks"). The request gets an abort signal of its own, linked
   * to the caller's until the body is read or discarded, so a long-lived signal collects no listeners.
   */
  async sendStreamed(request: Request, options: SendOptions): Promise<StreamedResponse> {
    const custom = this.#fetch;
    const link = linkedSignal(options.signal);
    try {
      const reply = await this.#exchange(request, options, link.signal, async (outgoing, signal) => {
        if (custom) {
          const response = await custom(fetchRequest(request, outgoing, signal));
          // A fetch hides the framing; an answer with neither field may have ended at a close, so it counts as unchecked.
          const lengthUnchecked = !response.headers.has("content-length") && !response.headers.has("transfer-encoding");
          return fetchReply(response, () => ({ status: response.status, headers: response.headers, body: webStreamBody(response.body), url: response.url || outgoing.url, lengthUnchecked }));
        }
        const answer = await this.#downloads.get(outgoing.url, outgoing.headers, signal);
        return {
          status: answer.status,
          statusText: answer.statusText,
          headers: answer.headers,
          url: outgoing.url,
          discard: async () => answer.body.discard(),
          text: () => bodyText(answer.body),
          value: () => ({ status: answer.status, headers: answer.headers, body: answer.body, url: outgoing.url, lengthUnchecked: answer.lengthUnchecked }),
        };
      });
      const streamed = reply.value();
      const body = streamed.body;
      return {
        ...streamed,
        body: {
          read: (onChunk) => body.read(onChunk).finally(link.release),
          discard: () => {
            body.discard();
            link.release();
          },
        },
      };
    } catch (err) {
      link.release();
      throw err;
    }
  }

  /**
   * PUTs a file's bytes, read from disk for each attempt (a retry resends it from its first byte), and resolves
   * with the 2xx answer's status; anything else rejects with FnoError. `request` carries the URL and headers, not
   * the body. The bytes go through node:http, whose socket backpressure keeps memory flat: fetch reads a request
   * body ahead of the socket, and held a 400 MB file in memory while sending it. `range` sends only those bytes
   * (a Put Block's), so each block of a large upload streams from disk the same way.
   */
  async sendFile(request: Request, file: string, options: SendOptions, range?: ByteRange): Promise<number> {
    const custom = this.#fetch;
    const { start, end } = range ?? { start: 0, end: (await stat(file)).size };
    const link = linkedSignal(options.signal);
    try {
      const reply = await this.#exchange(request, options, link.signal, async (outgoing, signal) => {
        if (custom) {
          const response = await custom(new Request(fetchRequest(request, outgoing, signal), { body: (await openAsBlob(file)).slice(start, end) }));
          return fetchReply(response, () => response.status);
        }
        const headers = new Headers(outgoing.headers);
        headers.set("content-length", String(end - start));
        // createReadStream's `end` is inclusive; an empty range reads nothing.
        const body = end > start ? createReadStream(file, { start, end: end - 1 }) : Readable.from([]);
        const answer = await httpSend(outgoing.url, { method: outgoing.method, headers, signal, body });
        return nodeReply(answer, outgoing.url, () => answer.statusCode ?? 0);
      });
      const status = reply.value();
      // Read to its end (a PUT's answer is empty), not discarded: a discarded answer closes its connection, and
      // each block of a large upload would open a new one (a TLS handshake per block).
      await reply.text();
      return status;
    } finally {
      link.release();
    }
  }

  /** The retry loop around one call, whatever sends its attempts. */
  async #exchange<T>(
    request: Request,
    options: SendOptions,
    signal: AbortSignal | undefined,
    perform: (outgoing: Outgoing, signal: AbortSignal | undefined) => Promise<Reply<T>>,
  ): Promise<Reply<T>> {
    const { operation } = options;
    const policy = this.retryPolicy;
    const budget = options.budget ?? this.budget();
    // After a 401: the refused token, and the error to report if the credential hands back the same one.
    let refusedToken: { token: string; error: FnoError } | undefined;
    let counted = true;
    for (;;) {
      signal?.throwIfAborted();
      // The retry after a 401 with a fresh token is part of the same attempt.
      const attempt = counted ? budget.begin() : budget.attempts;
      counted = true;
      const outgoing: Outgoing = { url: request.url, method: request.method, headers: new Headers(request.headers) };
      let token: string | undefined;
      if (options.authorize) {
        // The one place a token is attached, so the one place that makes sure it goes to the environment only,
        // whatever a caller decided (a blob SAS URL or a host an input named must never get it).
        const target = new URL(outgoing.url).origin;
        if (target !== this.origin) throw new Error(`${operation}: refused to send the environment's token to ${target}, which is not the environment (${this.origin})`);
        try {
          token = await this.#tokens.token(signal);
        } catch (err) {
          // No request was sent yet, so any call may wait and try again, unless Entra said the credentials are wrong.
          if (signal?.aborted) throw signal.reason;
          const delay = budget.backoff(this.#random);
          if (credentialsRejected(err) || !budget.allows(delay)) {
            throw new FnoError({ operation, method: outgoing.method, url: outgoing.url, stage: "token", cause: err });
          }
          await this.#wait(operation, attempt, delay, "token request failed", signal);
          continue;
        }
        // A credential with a cache of its own (MSAL's) may return the token F&O just refused: the 401 stands.
        if (refusedToken && token === refusedToken.token) throw refusedToken.error;
        outgoing.headers.set("authorization", `Bearer ${token}`);
      }

      // Pacing slots are taken after any Retry-After wait, so the calls held by it resume spread out.
      await this.#retryAfterGate(signal);
      const slot = this.#pacer.reserve(this.#now());
      if (slot > 0) await this.#sleep(slot, signal);
      // Checked again synchronously right before sending: another call may have met a Retry-After meanwhile.
      for (let hold = this.#notBefore - this.#now(); hold > 0; hold = this.#notBefore - this.#now()) {
        await this.#sleep(hold + timerMarginMs, signal);
      }
      const sentAt = this.#now();
      let reply: Reply<T>;
      try {
        reply = await perform(outgoing, signal);
      } catch (err) {
        if (signal?.aborted) throw signal.reason;
        const safe = options.retry === "idempotent" || notConnected(err, policy);
        const delay = budget.backoff(this.#random);
        if (!safe || !budget.allows(delay)) {
          throw new FnoError({ operation, method: outgoing.method, url: outgoing.url, cause: err });
        }
        await this.#wait(operation, attempt, delay, `connection failed (${errorCode(err) ?? "no response"})`, signal);
        continue;
      }

      const status = reply.status;
      if (status === 429) this.#pacer.throttled(this.#now(), sentAt);
      else this.#pacer.accepted(this.#now());
      if (status >= 200 && status < 300) return reply;

      if (status === 401 && token !== undefined && !refusedToken) {
        // The token may have been revoked or expired early: one fresh token, then the 401 stands.
        refusedToken = { token, error: await errorFromReply(reply, operation, outgoing.method) };
        this.#tokens.invalidate(token);
        counted = false;
        continue;
      }

      const retryAfterMs = parseRetryAfter(reply.headers.get("retry-after"), this.#now());
      const refused = policy.refusedStatuses.includes(status);
      const transient = options.retry === "idempotent" && policy.transientStatuses.includes(status);
      if (refused || transient) {
        const delay = retryAfterMs ?? (status === 429 ? policy.retryAfterDefaultMs : budget.backoff(this.#random));
        if (retryAfterMs !== undefined) this.#notBefore = Math.max(this.#notBefore, this.#now() + retryAfterMs);
        if (budget.allows(delay)) {
          await reply.discard();
          if (retryAfterMs === undefined) await this.#wait(operation, attempt, delay, `HTTP ${status}`, signal);
          else this.#onRetry?.({ operation, attempt, delayMs: delay, reason: `HTTP ${status}, Retry-After` }); // the gate waits
          continue;
        }
      }
      throw await errorFromReply(reply, operation, outgoing.method, retryAfterMs);
    }
  }

  /** Waits until no Retry-After this client was given is still running. */
  async #retryAfterGate(signal: AbortSignal | undefined): Promise<void> {
    for (let hold = this.#notBefore - this.#now(); hold > 0; hold = this.#notBefore - this.#now()) {
      // Timers may fire a millisecond early; the margin keeps the call from arriving before Retry-After ends.
      await this.#sleep(hold + timerMarginMs, signal);
    }
  }

  /** Waits before a retry the caller decided on (a download resuming after its body broke off), telling onRetry. */
  async wait(operation: string, budget: RetryBudget, reason: string, signal: AbortSignal | undefined): Promise<void> {
    await this.#wait(operation, budget.attempts, budget.backoff(this.#random), reason, signal);
  }

  /** The backoff a caller-decided retry would wait, to ask its budget whether it may. */
  backoff(budget: RetryBudget): number {
    return budget.backoff(this.#random);
  }

  async #wait(operation: string, attempt: number, delayMs: number, reason: string, signal: AbortSignal | undefined): Promise<void> {
    this.#onRetry?.({ operation, attempt, delayMs, reason });
    await this.#sleep(delayMs, signal);
  }
}

/** One attempt as a Request for a custom fetch: redirects surfaced, not followed. */
function fetchRequest(request: Request, outgoing: Outgoing, signal: AbortSignal | undefined): Request {
  return new Request(request.clone(), { redirect: "manual", headers: outgoing.headers, ...(signal ? { signal } : {}) });
}

function fetchReply<T>(response: Response, value: () => T): Reply<T> {
  return {
    status: response.status,
    statusText: response.statusText,
    headers: response.headers,
    url: response.url,
    discard: async () => void (await response.body?.cancel()),
    text: () => response.text(),
    value,
  };
}

/** A connection that sends nothing for this long is given up (and retried): undici's default for fetch. */
const idleTimeoutMs = 300_000;

/**
 * A request with node:http(s); resolves with the answer's head, its body still to read. A `body` is piped into the
 * request with backpressure; a body that fails to read (a file gone) fails the request.
 */
function httpSend(url: string, init: { method: string; headers: Headers; signal: AbortSignal | undefined; body?: Readable | Buffer }): Promise<IncomingMessage> {
  const target = new URL(url);
  const send = target.protocol === "https:" ? https.request : http.request;
  const { body, signal } = init;
  return new Promise((resolve, reject) => {
    const request = send(target, { method: init.method, headers: Object.fromEntries(init.headers), timeout: idleTimeoutMs, ...(signal ? { signal } : {}) }, resolve);
    request.on("timeout", () => request.destroy(Object.assign(new Error(`no data for ${idleTimeoutMs / 1000} s`), { code: "ETIMEDOUT" })));
    request.on("error", (err) => {
      if (body instanceof Readable) body.destroy();
      reject(err);
    });
    if (body instanceof Readable) {
      body.on("error", (err) => request.destroy(err));
      body.pipe(request);
    } else request.end(body);
  });
}

/**
 * One node:http answer as the retry loop sees it; `value` makes what the caller gets from it. `read` is its body
 * when it was already read whole.
 */
function nodeReply<T>(answer: IncomingMessage, url: string, value: (headers: Headers) => T, read?: Buffer): Reply<T> {
  const headers = new Headers();
  for (const [name, field] of Object.entries(answer.headers)) {
    for (const one of Array.isArray(field) ? field : [field ?? ""]) headers.append(name, one);
  }
  const status = answer.statusCode ?? 0;
  return {
    status,
    statusText: answer.statusMessage ?? "",
    headers,
    url,
    discard: async () => void answer.destroy(),
    text: async () => {
      if (read) return read.toString();
      let text = "";
      for await (const chunk of answer) text += String(chunk);
      return text;
    },
    value: () => value(headers),
  };
}

/**
 * A signal that follows `outer` until `release()` is called, which removes the one listener put on `outer`.
 * Without an outer signal there is nothing to follow.
 */
function linkedSignal(outer: AbortSignal | undefined): { signal: AbortSignal | undefined; release: () => void } {
  if (!outer) return { signal: undefined, release: () => undefined };
  const local = new AbortController();
  const onAbort = () => local.abort(outer.reason);
  if (outer.aborted) onAbort();
  else outer.addEventListener("abort", onAbort, { once: true });
  return { signal: local.signal, release: () => outer.removeEventListener("abort", onAbort) };
}

/** Reads an error response's body into an FnoError, keeping its first 64 KiB (the read itself is not bounded). */
export async function errorFromResponse(response: Response, operation: string, method: string, retryAfterMs?: number): Promise<FnoError> {
  return errorFromReply(fetchReply(response, () => response), operation, method, retryAfterMs);
}

async function errorFromReply(reply: Reply<unknown>, operation: string, method: string, retryAfterMs?: number): Promise<FnoError> {
  let text = "";
  try {
    text = (await reply.text()).slice(0, 64 * 1024);
  } catch {
    // The body broke off; the status alone still says what happened.
  }
  return new FnoError({
    operation,
    method,
    url: reply.url,
    status: reply.status,
    statusText: reply.statusText,
    body: parseErrorBody(text),
    ...(retryAfterMs !== undefined ? { retryAfterMs } : {}),
  });
}

/** The error code of a network failure: fetch puts it on the cause, undici's request API on the error itself. */
export function errorCode(err: unknown): string | undefined {
  for (let at: unknown = err, depth = 0; at instanceof Error && depth < 3; at = at.cause, depth++) {
    const code = (at as { code?: unknown }).code;
    if (typeof code === "string") return code;
  }
  return undefined;
}

/** Entra (or the simulator) answered the token request with a 4xx: wrong tenant, client ID or secret. */
function credentialsRejected(err: unknown): boolean {
  const status = (err as { statusCode?: unknown } | null)?.statusCode;
  return typeof status === "number" && status >= 400 && status < 500 && status !== 429;
}

function notConnected(err: unknown, policy: RetryOptions): boolean {
  const code = errorCode(err);
  return code !== undefined && policy.notConnectedCodes.includes(code);
}
