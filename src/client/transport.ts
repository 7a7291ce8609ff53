import type { TokenCredential } from "@azure/core-auth";
import { BearerTokenCache, scopeFor } from "./auth.ts";
import { FnoError, parseErrorBody } from "./errors.ts";
import { Pacer } from "./pacer.ts";
import { backoffDelay, defaultRetryOptions, parseRetryAfter, retryAfterDefaultMs, sleep, type RetryOptions } from "./retry.ts";

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
}

export interface TransportOptions {
  environmentUrl: string;
  credential: TokenCredential;
  /** Defaults to the global fetch, looked up at call time so HTTP mocks installed later still apply. */
  fetch?: (request: Request) => Promise<Response>;
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

const timerMarginMs = 2;

/** Error codes meaning the connection was never established, so nothing reached the server. */
const notConnectedCodes = new Set(["ECONNREFUSED", "ENOTFOUND", "EAI_AGAIN", "UND_ERR_CONNECT_TIMEOUT"]);

/**
 * Sends requests to one F&O environment: bearer token, one token refresh on 401, retries that honour
 * Retry-After, redirects surfaced rather than followed, and every failure turned into an FnoError.
 */
export class Transport {
  readonly origin: string;
  readonly #tokens: BearerTokenCache;
  readonly #fetch: (request: Request) => Promise<Response>;
  readonly #retry: RetryOptions;
  readonly #now: () => number;
  readonly #random: () => number;
  readonly #sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
  readonly #onRetry: ((event: RetryEvent) => void) | undefined;
  /** Throttling is per caller, not per request: after a Retry-After, no call of this client goes out before it expires. */
  #notBefore = 0;
  readonly #pacer = new Pacer();

  constructor(options: TransportOptions) {
    this.origin = new URL(options.environmentUrl).origin;
    this.#now = options.now ?? Date.now;
    this.#tokens = new BearerTokenCache(options.credential, scopeFor(options.environmentUrl), this.#now);
    this.#fetch = options.fetch ?? ((request) => globalThis.fetch(request));
    this.#retry = { ...defaultRetryOptions, ...options.retry };
    this.#random = options.random ?? Math.random;
    this.#sleep = options.sleep ?? sleep;
    this.#onRetry = options.onRetry;
  }

  /** Sends `request` (cloned per attempt) and resolves with a 2xx response; anything else rejects with FnoError. */
  async send(request: Request, options: SendOptions): Promise<Response> {
    const { operation, signal } = options;
    const started = this.#now();
    // After a 401: the refused token, and the error to report if the credential hands back the same one.
    let refusedToken: { token: string; error: FnoError } | undefined;
    for (let attempt = 1; ; attempt++) {
      signal?.throwIfAborted();
      const outgoing = new Request(request.clone(), { redirect: "manual", ...(signal ? { signal } : {}) });
      let token: string | undefined;
      if (options.authorize) {
        try {
          token = await this.#tokens.token(signal);
        } catch (err) {
          // No request was sent yet, so any call may wait and try again, unless Entra said the credentials are wrong.
          if (signal?.aborted) throw signal.reason;
          const delay = backoffDelay(attempt, this.#retry, this.#random);
          if (credentialsRejected(err) || !this.#mayRetry(attempt, started, delay)) {
            throw new FnoError({ operation, method: request.method, url: request.url, stage: "token", cause: err });
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
      let response: Response;
      try {
        response = await this.#fetch(outgoing);
      } catch (err) {
        if (signal?.aborted) throw signal.reason;
        const safe = options.retry === "idempotent" || notConnected(err);
        const delay = backoffDelay(attempt, this.#retry, this.#random);
        if (!safe || !this.#mayRetry(attempt, started, delay)) {
          throw new FnoError({ operation, method: request.method, url: request.url, cause: err });
        }
        await this.#wait(operation, attempt, delay, `connection failed (${errorCode(err) ?? "no response"})`, signal);
        continue;
      }

      if (response.status === 429) this.#pacer.throttled(this.#now(), sentAt);
      else this.#pacer.accepted(this.#now());
      if (response.status >= 200 && response.status < 300) return response;

      if (response.status === 401 && token !== undefined && !refusedToken) {
        // The token may have been revoked or expired early: one fresh token, then the 401 stands.
        refusedToken = { token, error: await errorFromResponse(response, operation, request.method) };
        this.#tokens.invalidate(token);
        attempt--;
        continue;
      }

      const retryAfterMs = parseRetryAfter(response.headers.get("retry-after"), this.#now());
      const refused = response.status === 429 || response.status === 503;
      const transient = options.retry === "idempotent" && (response.status === 502 || response.status === 504);
      if (refused || transient) {
        const delay =
          retryAfterMs ?? (response.status === 429 ? retryAfterDefaultMs : backoffDelay(attempt, this.#retry, this.#random));
        if (retryAfterMs !== undefined) this.#notBefore = Math.max(this.#notBefore, this.#now() + retryAfterMs);
        if (this.#mayRetry(attempt, started, delay)) {
          await response.body?.cancel();
          if (retryAfterMs === undefined) await this.#wait(operation, attempt, delay, `HTTP ${response.status}`, signal);
          else this.#onRetry?.({ operation, attempt, delayMs: delay, reason: `HTTP ${response.status}, Retry-After` }); // the gate waits
          continue;
        }
      }
      throw await errorFromResponse(response, operation, request.method, retryAfterMs);
    }
  }

  /** Waits until no Retry-After this client was given is still running. */
  async #retryAfterGate(signal: AbortSignal | undefined): Promise<void> {
    for (let hold = this.#notBefore - this.#now(); hold > 0; hold = this.#notBefore - this.#now()) {
      // Timers may fire a millisecond early; the margin keeps the call from arriving before Retry-After ends.
      await this.#sleep(hold + timerMarginMs, signal);
    }
  }

  #mayRetry(attempt: number, started: number, delay: number): boolean {
    return attempt < this.#retry.maxAttempts && this.#now() + delay - started <= this.#retry.maxElapsedMs;
  }

  async #wait(operation: string, attempt: number, delayMs: number, reason: string, signal: AbortSignal | undefined): Promise<void> {
    this.#onRetry?.({ operation, attempt, delayMs, reason });
    await this.#sleep(delayMs, signal);
  }
}

/** Reads an error response's body (bounded) into an FnoError. */
export async function errorFromResponse(response: Response, operation: string, method: string, retryAfterMs?: number): Promise<FnoError> {
  let text = "";
  try {
    text = (await response.text()).slice(0, 64 * 1024);
  } catch {
    // The body broke off; the status alone still says what happened.
  }
  return new FnoError({
    operation,
    method,
    url: response.url,
    status: response.status,
    statusText: response.statusText,
    body: parseErrorBody(text),
    ...(retryAfterMs !== undefined ? { retryAfterMs } : {}),
  });
}

function errorCode(err: unknown): string | undefined {
  const cause = (err as { cause?: { code?: unknown } } | undefined)?.cause;
  return typeof cause?.code === "string" ? cause.code : undefined;
}

/** Entra (or the simulator) answered the token request with a 4xx: wrong tenant, client ID or secret. */
function credentialsRejected(err: unknown): boolean {
  const status = (err as { statusCode?: unknown } | null)?.statusCode;
  return typeof status === "number" && status >= 400 && status < 500 && status !== 429;
}

function notConnected(err: unknown): boolean {
  const code = errorCode(err);
  return code !== undefined && notConnectedCodes.has(code);
}
