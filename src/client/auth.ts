import type { AccessToken, TokenCredential } from "@azure/core-auth";

/** Tokens are renewed this long before they expire, as the Recurring Integrations Scheduler does (60 s). */
export const tokenRefreshMarginMs = 60_000;

/** The token scope for an F&O environment: its origin plus `/.default`, no trailing slash on the resource. */
export function scopeFor(environmentUrl: string): string {
  return `${new URL(environmentUrl).origin}/.default`;
}

/**
 * Caches the bearer token of one credential for one environment. Concurrent callers share one request;
 * `invalidate` drops a token the server refused (a 401) so the next call fetches a fresh one.
 */
export class BearerTokenCache {
  readonly #credential: TokenCredential;
  readonly #scope: string;
  readonly #now: () => number;
  #current: AccessToken | undefined;
  #pending: Promise<AccessToken> | undefined;

  constructor(credential: TokenCredential, scope: string, now: () => number = Date.now) {
    this.#credential = credential;
    this.#scope = scope;
    this.#now = now;
  }

  async token(signal?: AbortSignal): Promise<string> {
    if (this.#current && this.#current.expiresOnTimestamp - tokenRefreshMarginMs > this.#now()) return this.#current.token;
    this.#pending ??= this.#fetch(signal).finally(() => {
      this.#pending = undefined;
    });
    return (await this.#pending).token;
  }

  /** Forget `token` if it is still the cached one (another caller may have refreshed it already). */
  invalidate(token: string): void {
    if (this.#current?.token === token) this.#current = undefined;
  }

  async #fetch(signal?: AbortSignal): Promise<AccessToken> {
    const token = await this.#credential.getToken(this.#scope, signal ? { abortSignal: signal } : {});
    if (!token) throw new Error(`the credential returned no token for ${this.#scope}`);
    this.#current = token;
    return token;
  }
}
