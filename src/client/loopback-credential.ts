import type { AccessToken, GetTokenOptions, TokenCredential } from "@azure/core-auth";

/**
 * Client credentials against an Entra-shaped token endpoint on loopback (the embedded simulator).
 * @azure/identity refuses any authority that is not https, which is right for Entra ID and is why this
 * exists: it talks only to 127.0.0.1/localhost and refuses every other host.
 */
export class LoopbackClientSecretCredential implements TokenCredential {
  readonly #tokenUrl: URL;
  readonly #clientId: string;
  readonly #clientSecret: string;
  readonly #fetch: typeof fetch;

  constructor(authorityHost: string, tenantId: string, clientId: string, clientSecret: string, fetchImpl?: typeof fetch) {
    const url = new URL(`${tenantId}/oauth2/v2.0/token`, authorityHost.endsWith("/") ? authorityHost : `${authorityHost}/`);
    if (!["127.0.0.1", "localhost", "[::1]"].includes(url.hostname)) {
      throw new Error(`LoopbackClientSecretCredential only talks to loopback, not ${url.host}; use @azure/identity for Entra ID`);
    }
    this.#tokenUrl = url;
    this.#clientId = clientId;
    this.#clientSecret = clientSecret;
    this.#fetch = fetchImpl ?? ((input, init) => globalThis.fetch(input, init));
  }

  async getToken(scopes: string | string[], options?: GetTokenOptions): Promise<AccessToken> {
    const scope = Array.isArray(scopes) ? scopes.join(" ") : scopes;
    const response = await this.#fetch(this.#tokenUrl, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ grant_type: "client_credentials", client_id: this.#clientId, client_secret: this.#clientSecret, scope }),
      // core-auth types the signal as AbortSignalLike; callers pass a real AbortSignal.
      signal: (options?.abortSignal as AbortSignal | undefined) ?? null,
    });
    const text = await response.text();
    if (!response.ok) {
      // statusCode, as @azure/identity's AuthenticationError has it, tells callers a 4xx (bad credentials) from a 5xx.
      throw Object.assign(new Error(`token request to ${this.#tokenUrl.href} failed: HTTP ${response.status}: ${text.slice(0, 300)}`), {
        statusCode: response.status,
      });
    }
    const body = JSON.parse(text) as { access_token?: string; expires_in?: number | string };
    if (typeof body.access_token !== "string") throw new Error(`token response from ${this.#tokenUrl.href} has no access_token`);
    return { token: body.access_token, expiresOnTimestamp: Date.now() + Number(body.expires_in ?? 0) * 1000 };
  }
}
