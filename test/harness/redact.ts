/**
 * Redaction for recordings made against a live environment: secrets never reach a fixture, and volatile
 * values are normalised so re-recording gives readable diffs.
 */

export interface RecordedDefinition {
  scope: string;
  method: string;
  path: string;
  body?: unknown;
  status: number;
  response?: unknown;
  rawHeaders?: Record<string, string | string[]> | string[];
  responseIsBinary?: boolean;
  [key: string]: unknown;
}

/** Patterns that must never appear in a committed recording. */
export const secretPatterns: { name: string; pattern: RegExp }[] = [
  { name: "JWT bearer token", pattern: /eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]*/ },
  { name: "Authorization header value", pattern: /Bearer\s+(?!recorded-token\b)[A-Za-z0-9._~+/-]{16,}/i },
  { name: "SAS signature", pattern: /[?&]sig=(?!REDACTED\b)[^&"\s]+/i },
  { name: "client secret", pattern: /client_secret["'=:\s]+(?!REDACTED\b)[^&"'\s]{4,}/i },
  { name: "access token field", pattern: /"access_token"\s*:\s*"(?!REDACTED")[^"]+"/ },
  { name: "cookie", pattern: /"set-cookie"/i },
];

const volatileHeaders = new Set(["date", "set-cookie", "authorization", "x-ms-request-id", "request-id", "ms-cv", "x-ms-correlation-id", "expires", "age"]);

/** Body fields whose values are credentials whatever they look like. */
const secretKey = /token|secret|password|assertion/i;

/** The recording host every live host is rewritten to, so replays match the scenarios' environment. */
export const recordedHost = "contoso.operations.dynamics.com";

export function redactDefinitions(definitions: RecordedDefinition[], liveHost: string): RecordedDefinition[] {
  const text = (value: string) =>
    value
      .split(liveHost)
      .join(recordedHost)
      .replace(/eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]*/g, "REDACTED")
      .replace(/([?&]sig=)[^&"\s]+/gi, "$1REDACTED")
      .replace(/(client_secret["'=:\s]+)[^&"'\s]+/gi, "$1REDACTED")
      .replace(/("access_token"\s*:\s*")[^"]+"/g, '$1REDACTED"');
  const deep = (value: unknown): unknown => {
    if (typeof value === "string") return text(value);
    if (Array.isArray(value)) return value.map(deep);
    if (value !== null && typeof value === "object") {
      return Object.fromEntries(
        Object.entries(value).map(([k, v]) => [k, secretKey.test(k) && typeof v === "string" ? "REDACTED" : deep(v)]),
      );
    }
    return value;
  };
  return definitions.map((definition) => {
    const headers = Array.isArray(definition.rawHeaders) ? pairs(definition.rawHeaders) : (definition.rawHeaders ?? {});
    const kept = Object.fromEntries(Object.entries(headers).filter(([name]) => !volatileHeaders.has(name.toLowerCase())));
    return {
      ...definition,
      scope: text(definition.scope),
      path: text(definition.path),
      body: deep(definition.body),
      response: definition.responseIsBinary ? definition.response : deep(definition.response),
      rawHeaders: deep(kept) as Record<string, string>,
    };
  });
}

function pairs(flat: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (let i = 0; i + 1 < flat.length; i += 2) out[flat[i]!] = flat[i + 1]!;
  return out;
}

/** Every secret-looking match in a recording's text, for the scan test. */
export function findSecrets(text: string): string[] {
  return secretPatterns.filter(({ pattern }) => pattern.test(text)).map(({ name }) => name);
}
