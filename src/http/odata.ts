/**
 * The OData v4 error body `{"error":{"code","message","innererror":{…}}}` that F&O and Dataverse answer
 * with, parsed once for the client, the gateway and the Dataverse deploy. A leaf module: it imports nothing.
 */

export interface ParsedErrorBody {
  code: string | undefined;
  message: string | undefined;
  innerMessage: string | undefined;
  /** `@Microsoft.PowerApps.CDS.*` and other instance annotations on the error object. */
  annotations: Record<string, unknown>;
}

export function parseErrorBody(text: string): ParsedErrorBody {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return { code: undefined, message: text.trim().slice(0, 500) || undefined, innerMessage: undefined, annotations: {} };
  }
  return readODataError(parsed) ?? { code: undefined, message: undefined, innerMessage: undefined, annotations: {} };
}

/** The OData error in a parsed JSON body, or undefined when the body is not one. Missing fields stay undefined. */
export function readODataError(body: unknown): ParsedErrorBody | undefined {
  const error = (body as { error?: unknown } | null)?.error;
  if (error === null || typeof error !== "object") return undefined;
  const record = error as Record<string, unknown>;
  const inner = record.innererror as Record<string, unknown> | null | undefined;
  return {
    code: nonEmptyString(record.code),
    message: nonEmptyString(record.message),
    innerMessage: nonEmptyString(inner?.message),
    annotations: Object.fromEntries(Object.entries(record).filter(([key]) => key.startsWith("@"))),
  };
}

function nonEmptyString(value: unknown): string | undefined {
  return typeof value === "string" && value.trim() !== "" ? value : undefined;
}
