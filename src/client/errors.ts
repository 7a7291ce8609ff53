/**
 * Errors from F&O, parsed from the OData v4 error body `{"error":{"code","message","innererror":{…}}}`.
 * F&O often leaves `code` empty and `message` generic ("An error has occurred."); the Infolog text that
 * explains the failure is in `innererror.message`, so that is what the message leads with.
 */
import { errorCodes, ToolError } from "../errors/index.ts";
import { parseErrorBody, type ParsedErrorBody } from "../http/odata.ts";

export { parseErrorBody, type ParsedErrorBody };

/** The operation names of transfers to and from a blob SAS URL (never sent the F&O token). */
export const blobOperations = { upload: "BlobUpload", download: "BlobDownload" } as const;

/** What the user most likely has to do, for the statuses people hit most with this API. */
export function hintFor(status: number | undefined, operation: string): string | undefined {
  if (operation === blobOperations.upload || operation === blobOperations.download) return blobHint(status, operation);
  switch (status) {
    case undefined:
      return "The environment could not be reached; check the environment URL and the network, then retry.";
    case 302:
      return "F&O redirected the call: the recurring integrations API exists only in cloud environments, not on-premises (use the data management package API there).";
    case 401:
      return "The token was refused: check the tenant, the app's client ID and secret, and that the token is for this environment URL (no trailing slash).";
    case 403:
      return 'Register the app under System administration > Setup > Microsoft Entra applications (mapped to a user with access), and enable it on the data job\'s "Set up authorization policy" tab.';
    case 404:
      return operation === "Enqueue"
        ? "Check the activity ID and the entity name (as shown in the data project)."
        : "Check the activity ID (the ID of the recurring data job) and the environment URL.";
    case 413:
      return "The file is larger than the environment accepts (reports put the limit between 36 and 50 MB): split it, or use the data management package API.";
    case 429:
      return "The environment is throttling requests; the client waits for Retry-After before trying again.";
    case 500:
      return operation === "Dequeue" || operation === "Enqueue" || operation === "Acknowledge"
        ? "F&O answers 500 when the activity ID does not match a recurring data job: check it first."
        : undefined;
    case 502:
    case 503:
    case 504:
      return "The environment's gateway failed; this is usually transient, retry later.";
    default:
      return undefined;
  }
}

/** Blob URLs are SAS URLs handed out by F&O: their failures mean something else than the environment's. */
function blobHint(status: number | undefined, operation: string): string | undefined {
  switch (status) {
    case undefined:
      return "The blob storage could not be reached; check the network, then retry.";
    case 403:
      return operation === blobOperations.upload
        ? "The storage refused the write URL: it has most likely expired (write URLs are valid for a limited time); ask for a new one."
        : "The storage refused the URL: its signature has most likely expired; ask F&O for the URL again.";
    case 404:
      return "The blob does not exist (any more): exported packages are kept for 7 days.";
    default:
      return undefined;
  }
}

/**
 * Where a call failed: `token`, getting a token, so nothing was sent to F&O; `request`, sending the request or
 * reading its answer (an HTTP status, or no answer: the request may or may not have arrived).
 */
export type FailureStage = "token" | "request";

export interface FnoErrorDetails {
  operation: string;
  method: string;
  url: string;
  status?: number;
  statusText?: string;
  body?: ParsedErrorBody;
  /** Milliseconds the server asked to wait (Retry-After), when it did. */
  retryAfterMs?: number;
  /** Where the call failed; default "request". */
  stage?: FailureStage;
  cause?: unknown;
}

/**
 * The one error type of the client: HTTP status, F&O's OData error, Retry-After and a hint, in one message.
 * Its `code` is the tool's (FNO_REMOTE); F&O's own error code is `odata.code`.
 */
export class FnoError extends ToolError {
  readonly operation: string;
  readonly method: string;
  readonly url: string;
  readonly status: number | undefined;
  /** The OData error body F&O answered with, when it did (the same type the gateway's ResponseError carries). */
  readonly odata: ParsedErrorBody | undefined;
  readonly retryAfterMs: number | undefined;
  readonly hint: string | undefined;
  readonly stage: FailureStage;

  constructor(details: FnoErrorDetails) {
    const { operation, status, statusText, body } = details;
    const hint =
      details.stage === "token"
        ? "Check the tenant, client ID and secret, and that the token endpoint is reachable."
        : hintFor(status, operation);
    const what =
      details.stage === "token"
        ? `could not get a token: ${causeText(details.cause)}`
        : status === undefined
          ? unreachableText(details.url, details.cause)
          : `HTTP ${status}${statusText ? ` ${statusText}` : ""}`;
    const text = body?.innerMessage ?? body?.message;
    const code = body?.code ? ` [${body.code}]` : "";
    super(errorCodes.remote, `${operation} failed: ${what}${code}${text ? `: ${text}` : ""}${hint ? `. ${hint}` : ""}`, { cause: details.cause });
    this.name = "FnoError";
    this.operation = operation;
    this.method = details.method;
    this.url = details.url;
    this.status = status;
    this.odata = body;
    this.retryAfterMs = details.retryAfterMs;
    this.hint = hint;
    this.stage = details.stage ?? "request";
  }
}

/**
 * "could not reach https://host: connection refused (ECONNREFUSED)": which server a request got no answer
 * from and why. Only the origin is named: a download URL's query can carry a signature.
 */
export function unreachableText(url: string, cause: unknown): string {
  let origin: string;
  try {
    origin = new URL(url).origin;
  } catch {
    origin = "the server";
  }
  return `could not reach ${origin}: ${causeText(cause)}`;
}

/** Words for the system error codes fetch (undici) puts in an error's cause chain. */
const networkReasons: Record<string, string> = {
  ECONNREFUSED: "connection refused",
  ECONNRESET: "connection reset",
  ENOTFOUND: "host not found",
  EAI_AGAIN: "host name lookup failed",
  ETIMEDOUT: "timed out",
  UND_ERR_CONNECT_TIMEOUT: "timed out connecting",
  EHOSTUNREACH: "host unreachable",
  ENETUNREACH: "network unreachable",
  UND_ERR_SOCKET: "connection closed",
  CERT_HAS_EXPIRED: "the server's certificate has expired",
  DEPTH_ZERO_SELF_SIGNED_CERT: "the server's certificate is self-signed",
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: "the server's certificate could not be verified",
  ERR_TLS_CERT_ALTNAME_INVALID: "the server's certificate is for another host",
};

/**
 * The first error code in the cause chain, in words ("connection refused (ECONNREFUSED)"); without one,
 * the innermost message (fetch's own, "fetch failed", says nothing).
 */
function causeText(cause: unknown): string {
  let message = cause instanceof Error ? cause.message : String(cause);
  for (let at: unknown = cause, depth = 0; at instanceof Error && depth < 5; at = at.cause, depth++) {
    const code = (at as { code?: unknown }).code;
    if (typeof code === "string") return `${networkReasons[code] ?? at.message} (${code})`;
    message = at.message;
  }
  return message;
}
