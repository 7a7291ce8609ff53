import type { TokenCredential } from "@azure/core-auth";
import { FnoError } from "../client/errors.ts";
import { Transport, type RetryEvent, type RetryMode, type TransportOptions } from "../client/transport.ts";
import { errorCodes, ToolError } from "../errors/index.ts";
import type { ParsedErrorBody } from "../http/odata.ts";

/** The Web API path and version every request goes to (Microsoft Learn, "Compose HTTP requests and handle errors"). */
export const webApiPath = "/api/data/v9.2/";

/**
 * The headers Microsoft documents for every Dataverse Web API request, plus `Prefer: odata.include-annotations="*"`
 * so that an error carries its `@Microsoft.PowerApps.CDS.*` details (help link, trace text, inner message).
 * `If-None-Match: null` goes on reads only and `Content-Type` only with a body (docs/platform-assumptions.md,
 * "Deploying through the Dataverse Web API").
 */
export const webApiHeaders = {
  Accept: "application/json",
  "OData-MaxVersion": "4.0",
  "OData-Version": "4.0",
  Prefer: 'odata.include-annotations="*"',
} as const;

export interface DataverseClientOptions {
  /** The environment URL, `https://<org>.crm.dynamics.com`: the token's audience and the only host called. */
  environmentUrl: string;
  credential: TokenCredential;
  fetch?: TransportOptions["fetch"];
  retry?: TransportOptions["retry"];
  sleep?: TransportOptions["sleep"];
  now?: TransportOptions["now"];
  onRetry?: (event: RetryEvent) => void;
}

/**
 * A small Dataverse Web API client on the project's Transport: bearer token for the environment URL, one token
 * refresh on 401, and Retry-After honoured on 429 (Dataverse's service protection limits) and 503. Reads are
 * retried like any idempotent call; actions are sent with `retry: "rejected-only"`, so an import is never sent
 * twice once it may have reached the server. Every failure becomes a DataverseError.
 */
export class DataverseClient {
  readonly environmentUrl: string;
  readonly #transport: Transport;

  constructor(options: DataverseClientOptions) {
    this.environmentUrl = new URL(options.environmentUrl).origin;
    this.#transport = new Transport({
      environmentUrl: this.environmentUrl,
      credential: options.credential,
      ...(options.fetch ? { fetch: options.fetch } : {}),
      ...(options.retry ? { retry: options.retry } : {}),
      ...(options.sleep ? { sleep: options.sleep } : {}),
      ...(options.now ? { now: options.now } : {}),
      ...(options.onRetry ? { onRetry: options.onRetry } : {}),
    });
  }

  /** GET `resource` (relative to the Web API path, query included) and parse the JSON answer. */
  async get<T>(resource: string, operation: string): Promise<T> {
    const request = new Request(this.#url(resource), { method: "GET", headers: { ...webApiHeaders, "If-None-Match": "null" } });
    return (await this.#send(request, operation, "idempotent")).json() as Promise<T>;
  }

  /**
   * POST an action. `retry` says whether repeating it could do harm: an import must not be repeated once it may
   * have reached the server (it would start a second import job), so only refusals (429, 503) are retried for it.
   */
  async post<T>(action: string, body: unknown, operation: string, retry: RetryMode): Promise<T | undefined> {
    const request = new Request(this.#url(action), {
      method: "POST",
      headers: { ...webApiHeaders, "Content-Type": "application/json" },
      body: JSON.stringify(body),
    });
    const response = await this.#send(request, operation, retry);
    const text = await response.text();
    return text === "" ? undefined : (JSON.parse(text) as T);
  }

  #url(resource: string): string {
    return new URL(resource, `${this.environmentUrl}${webApiPath}`).href;
  }

  async #send(request: Request, operation: string, retry: RetryMode): Promise<Response> {
    try {
      return await this.#transport.send(request, { operation, retry, authorize: true });
    } catch (err) {
      throw err instanceof FnoError ? new DataverseError(err) : err;
    }
  }
}

/** The annotations that explain a Dataverse error, in the order they are printed. */
const errorAnnotations = [
  ["@Microsoft.PowerApps.CDS.InnerError.Message", "inner error"],
  ["@Microsoft.PowerApps.CDS.ErrorDetails.OperationStatus", "operation status"],
  ["@Microsoft.PowerApps.CDS.ErrorDetails.SubErrorCode", "sub-error code"],
  ["@Microsoft.PowerApps.CDS.HelpLink", "help"],
  ["@Microsoft.PowerApps.CDS.TraceText", "trace"],
] as const;

/** Longest annotation value printed: trace text can hold a plug-in's whole log. */
const annotationLimit = 500;

/**
 * A failed Web API call as one message: the HTTP status, Dataverse's error code and message, its annotations
 * and what to check. The fields come from the transport's FnoError, whose hints are F&O's.
 */
export class DataverseError extends ToolError {
  readonly operation: string;
  readonly status: number | undefined;
  /** Dataverse's OData error, with its `@Microsoft.PowerApps.CDS.*` annotations, when it answered one. */
  readonly odata: ParsedErrorBody | undefined;
  readonly retryAfterMs: number | undefined;

  constructor(cause: FnoError) {
    const { operation, status, odata } = cause;
    const annotations = odata?.annotations ?? {};
    const serverMessage = odata?.message;
    // Without a status nothing was answered (no token, or no connection): FnoError's own words, without its F&O hint.
    const what = status === undefined ? withoutHint(cause).slice(`${operation} failed: `.length) : `HTTP ${status}`;
    const details = errorAnnotations
      .filter(([key]) => typeof annotations[key] === "string" && annotations[key] !== "" && !(key.endsWith("InnerError.Message") && annotations[key] === serverMessage))
      .map(([key, label]) => `${label}: ${oneLine(String(annotations[key]))}`);
    const hint = dataverseHint(status, cause.retryAfterMs);
    const parts = [`${operation} failed: ${what}${odata?.code ? ` [${odata.code}]` : ""}${serverMessage ? `: ${serverMessage}` : ""}`, ...details];
    super(errorCodes.remote, parts.join("; ") + (hint ? `. ${hint}` : ""), { cause });
    this.name = "DataverseError";
    this.operation = operation;
    this.status = status;
    this.odata = odata;
    this.retryAfterMs = cause.retryAfterMs;
  }
}

function withoutHint(error: FnoError): string {
  const suffix = error.hint ? `. ${error.hint}` : "";
  return suffix && error.message.endsWith(suffix) ? error.message.slice(0, -suffix.length) : error.message;
}

function oneLine(text: string): string {
  const flat = text.replace(/\s+/g, " ").trim();
  return flat.length > annotationLimit ? `${flat.slice(0, annotationLimit)}…` : flat;
}

function dataverseHint(status: number | undefined, retryAfterMs: number | undefined): string | undefined {
  switch (status) {
    case undefined:
      return "Check the environment URL (https://<org>.crm.dynamics.com), the tenant, client ID and secret, and the network";
    case 401:
      return "The token was refused: check the tenant, client ID and secret, and that the environment URL is the Dataverse one (https://<org>.crm.dynamics.com, the token's audience)";
    case 403:
      return "The app signed in but may not do this: add it as an application user of the environment (Power Platform admin center > Environments > Settings > Users + permissions > Application users) with the System Administrator or System Customizer role";
    case 429:
      return `Dataverse's service protection limits stopped the calls${retryAfterMs !== undefined ? ` (Retry-After ${Math.ceil(retryAfterMs / 1000)} s)` : ""}; run the deploy again later`;
    default:
      return undefined;
  }
}
