/**
 * Redaction for recordings made against a live environment. A recording keeps the shapes of the exchange
 * (IDs, statuses, URLs, field names, sizes), never credentials or customer data: package and upload bodies
 * become filler of the same size, and JSON string values are kept only when they are shapes.
 */
import { credentialShapes, redacted, secretName, withoutCredentials } from "../../src/cli/secrets.ts";

export interface RecordedDefinition {
  scope: string;
  method: string;
  path: string;
  body?: unknown;
  status: number;
  response?: unknown;
  rawHeaders?: Record<string, string | string[]> | string[];
  reqheaders?: Record<string, string | string[]>;
  responseIsBinary?: boolean;
  [key: string]: unknown;
}

/** Patterns that must never appear in a committed recording: the credential shapes, and cookies. */
export const secretPatterns: { name: string; pattern: RegExp }[] = [
  // Without the global flag: test() on a global RegExp carries its position from one call to the next.
  ...credentialShapes.map(({ name, pattern }) => ({ name, pattern: new RegExp(pattern.source, pattern.flags.replace("g", "")) })),
  { name: "cookie", pattern: /"(set-)?cookie"/i },
];

/** Headers that change on every call, and say nothing about the exchange's shape. */
const volatileHeaders = new Set(["date", "x-ms-request-id", "request-id", "ms-cv", "x-ms-correlation-id", "expires", "age"]);

/** The recording host every live host is rewritten to, so replays match the scenarios' environment. */
export const recordedHost = "contoso.operations.dynamics.com";

/** String values kept as they are: they describe the exchange, not the customer's data. */
const shapes = [
  /^$/,
  /^\{?[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\}?$/i, // IDs
  /^\d{4}-\d{2}-\d{2}(T[\d:.]+(Z|[+-]\d{2}:?\d{2})?)?$/, // dates
  /^https?:\/\/[^\s]*$/, // URLs (host rewritten, signatures removed)
  /^[A-Za-z]{1,40}$/, // status and enum words: Enqueued, ProcessedWithErrors
  /^\d{1,20}$/, // counts and record numbers
  new RegExp(`^${redacted}$`),
];

/** Same-size stand-in for a body that carries data: a package's bytes (hex) or an uploaded file. */
function filler(length: number, hex: boolean): string {
  return hex ? Buffer.alloc(length / 2, "REDACTED PACKAGE ").toString("hex") : "x".repeat(length);
}

export function redactDefinitions(definitions: RecordedDefinition[], liveHost: string): RecordedDefinition[] {
  const host = new RegExp(liveHost.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"), "gi");
  const text = (value: string) => withoutCredentials(value.replace(host, recordedHost));

  /** A JSON value: secret-named fields out, strings kept only where they are shapes (JSON inside a string too). */
  const json = (value: unknown): unknown => {
    if (typeof value === "string") {
      const cleaned = text(value);
      if (shapes.some((shape) => shape.test(cleaned))) return cleaned;
      const nested = parseJson(cleaned);
      if (nested !== undefined && typeof nested === "object" && nested !== null) return JSON.stringify(json(nested));
      return `[text, ${cleaned.length} characters]`;
    }
    if (Array.isArray(value)) return value.map(json);
    if (value !== null && typeof value === "object") {
      return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, secretName.test(k) ? redacted : json(v)]));
    }
    return value;
  };

  /** A request or response body: JSON as above, form fields by name, anything else (files) as same-size filler. */
  const body = (value: unknown, binary: boolean): unknown => {
    if (typeof value !== "string") return json(value);
    if (value === "") return value;
    if (binary) return filler(value.length, true);
    const parsed = parseJson(value);
    if (parsed !== undefined) return JSON.stringify(json(parsed));
    if (/^[\w.%-]+=[^&]*(&[\w.%-]+=[^&]*)*$/.test(value)) {
      const form = new URLSearchParams(value);
      for (const [name] of form) if (secretName.test(name)) form.set(name, redacted);
      return text(form.toString());
    }
    return filler(value.length, false);
  };

  const headers = (raw: RecordedDefinition["rawHeaders"]): Record<string, string | string[]> => {
    const named = Array.isArray(raw) ? pairs(raw) : (raw ?? {});
    return Object.fromEntries(
      Object.entries(named)
        .filter(([name]) => !volatileHeaders.has(name.toLowerCase()) && !secretName.test(name))
        .map(([name, value]) => [name, Array.isArray(value) ? value.map(text) : text(value)]),
    );
  };

  return definitions.map((definition) => ({
    ...(json(definition) as RecordedDefinition),
    scope: text(definition.scope),
    method: definition.method,
    path: text(definition.path),
    status: definition.status,
    body: body(definition.body, false),
    response: body(definition.response, definition.responseIsBinary === true),
    ...(definition.rawHeaders === undefined ? {} : { rawHeaders: headers(definition.rawHeaders) }),
    ...(definition.reqheaders === undefined ? {} : { reqheaders: headers(definition.reqheaders) }),
  }));
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

function pairs(flat: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (let i = 0; i + 1 < flat.length; i += 2) out[flat[i]!] = flat[i + 1]!;
  return out;
}

/** Every secret-looking match in a recording's text, for the scan test and for the recorder before it writes. */
export function findSecrets(text: string): string[] {
  return secretPatterns.filter(({ pattern }) => pattern.test(text)).map(({ name }) => name);
}
