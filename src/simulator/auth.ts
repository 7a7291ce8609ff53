import type { SimulatedClock } from "./clock.ts";
import type { SeededRandom } from "./random.ts";

export interface ClientCredentials {
  clientId: string;
  clientSecret: string;
}

/** An OAuth 2.0 error body as Entra ID writes it: `error`, an `AADSTS…` description and its code. */
export interface EntraError {
  error: string;
  error_description: string;
  error_codes: number[];
}

export type TokenResponse =
  | { status: 200; body: Record<string, string | number> }
  | { status: 400 | 401; body: EntraError };

export type BearerCheck = { ok: true; clientId: string } | { ok: false; description: string; hasCredentials: boolean };

interface IssuedToken {
  clientId: string;
  audience: string;
  expiresAt: number;
}

/**
 * Entra ID's client-credentials grant in miniature, for one tenant and one app registration, and the
 * bearer check F&O applies with the tokens it issues (docs/platform-assumptions.md, "F&O API behaviour",
 * "Tokens"). v1 takes `resource=<environment URL>`, v2 takes `scope=<environment URL>/.default`; the token's
 * audience is the resource (v2: the scope without `/.default`) exactly as sent, and F&O accepts only its own URL.
 */
export interface TokenAuthorityOptions {
  tenantId: string;
  client: ClientCredentials;
  /** The only audience F&O accepts: the environment URL, no trailing slash. */
  environmentUrl: string;
  clock: SimulatedClock;
  random: SeededRandom;
  /** Seconds a new token lives. */
  lifetimeSeconds: number;
}

export class TokenAuthority {
  readonly #tokens = new Map<string, IssuedToken>();
  readonly #tenantId: string;
  readonly #client: ClientCredentials;
  readonly #environmentUrl: string;
  readonly #clock: SimulatedClock;
  readonly #random: SeededRandom;
  /** Changed by the fault configuration (a short lifetime forces refreshes mid-run). */
  lifetimeSeconds: number;

  constructor(options: TokenAuthorityOptions) {
    this.#tenantId = options.tenantId;
    this.#client = options.client;
    this.#environmentUrl = options.environmentUrl;
    this.#clock = options.clock;
    this.#random = options.random;
    this.lifetimeSeconds = options.lifetimeSeconds;
  }

  issue(tenant: string, version: "v1" | "v2", form: URLSearchParams): TokenResponse {
    const grantType = form.get("grant_type");
    if (!grantType) return missingParameter("grant_type");
    if (grantType !== "client_credentials") {
      return entraError(400, "unsupported_grant_type", 70003, `The app requested an unsupported grant type '${grantType}'.`);
    }
    if (tenant.toLowerCase() !== this.#tenantId.toLowerCase()) {
      return entraError(400, "invalid_request", 90002, `Tenant '${tenant}' not found.`);
    }
    const clientId = form.get("client_id");
    if (!clientId) return missingParameter("client_id");
    if (clientId.toLowerCase() !== this.#client.clientId.toLowerCase()) {
      return entraError(400, "unauthorized_client", 700016, `Application with identifier '${clientId}' was not found in the directory '${tenant}'.`);
    }
    const secret = form.get("client_secret");
    if (!secret) return missingParameter("client_secret");
    if (secret !== this.#client.clientSecret) {
      return entraError(401, "invalid_client", 7000215, `Invalid client secret provided for app '${clientId}'.`);
    }
    const audience = version === "v1" ? form.get("resource") : audienceOfScope(form.get("scope"));
    if (version === "v2" && audience === undefined) {
      return entraError(400, "invalid_scope", 1002012, `The provided value for scope '${form.get("scope") ?? ""}' is not valid. Client credential flows must have a scope value with /.default suffixed to the resource identifier.`);
    }
    if (!audience) return missingParameter("resource");
    // Entra knows the environment by its URL; a trailing slash still names it, but the token then
    // carries that slash in its audience, which F&O rejects (hence the docs' "no trailing slash").
    if (audience.replace(/\/+$/, "").toLowerCase() !== this.#environmentUrl.toLowerCase()) {
      return entraError(400, "invalid_resource", 500011, `The resource principal named ${audience} was not found in the tenant named ${tenant}.`);
    }

    const now = this.#clock.now();
    const accessToken = `sim.${this.#random.bytes(24).toString("base64url")}`;
    this.#tokens.set(accessToken, { clientId: this.#client.clientId, audience, expiresAt: now + this.lifetimeSeconds * 1000 });
    const lifetime = this.lifetimeSeconds;
    // v1 writes every number as a string and echoes the resource; v2 uses JSON numbers.
    const body: Record<string, string | number> =
      version === "v1"
        ? {
            token_type: "Bearer",
            expires_in: String(lifetime),
            ext_expires_in: String(lifetime),
            expires_on: String(Math.floor(now / 1000) + lifetime),
            not_before: String(Math.floor(now / 1000)),
            resource: audience,
            access_token: accessToken,
          }
        : { token_type: "Bearer", expires_in: lifetime, ext_expires_in: lifetime, access_token: accessToken };
    return { status: 200, body };
  }

  /** Checks an `Authorization` header the way a resource server does: known token, not expired, for us. */
  verify(authorization: string | undefined): BearerCheck {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? "");
    if (!match) {
      return { ok: false, hasCredentials: false, description: "The request has no bearer token in its Authorization header." };
    }
    const token = this.#tokens.get(match[1]!);
    if (!token) return { ok: false, hasCredentials: true, description: "The bearer token is not valid." };
    if (this.#clock.now() >= token.expiresAt) {
      return { ok: false, hasCredentials: true, description: "The bearer token has expired." };
    }
    if (token.audience !== this.#environmentUrl) {
      return {
        ok: false,
        hasCredentials: true,
        description: `The bearer token is for audience '${token.audience}', not for this environment ('${this.#environmentUrl}').`,
      };
    }
    return { ok: true, clientId: token.clientId };
  }

  /** Ends every token issued so far, as if they had all reached their expiry; returns how many were live. */
  expireAll(): number {
    const now = this.#clock.now();
    let live = 0;
    for (const token of this.#tokens.values()) {
      if (token.expiresAt > now) {
        live++;
        token.expiresAt = now;
      }
    }
    return live;
  }
}

/** `https://env/.default` → `https://env`; anything but exactly one `/.default` scope → undefined. */
function audienceOfScope(scope: string | null): string | undefined {
  const scopes = (scope ?? "").split(" ").filter(Boolean);
  if (scopes.length !== 1 || !scopes[0]!.endsWith("/.default")) return undefined;
  return scopes[0]!.slice(0, -"/.default".length);
}

function missingParameter(name: string): TokenResponse {
  return entraError(400, "invalid_request", 900144, `The request body must contain the following parameter: '${name}'.`);
}

function entraError(status: 400 | 401, error: string, code: number, description: string): TokenResponse {
  return { status, body: { error, error_description: `AADSTS${code}: ${description}`, error_codes: [code] } };
}
