import createClient from "openapi-fetch";
import type { components, paths } from "../generated/fno-connector.ts";
import { downloadResumable, type DownloadResult, type DownloadSink } from "./resumable-download.ts";
import { bodyStream } from "./response-body.ts";
import { errorCodes, ToolError } from "../errors/index.ts";
import { blobUploadSettings, uploadFile, type BlobUploadSettings } from "./blob-upload.ts";
import { blobOperations } from "./errors.ts";
import { sleep, type RetryBudget, type RetryOptions } from "./retry.ts";
import { Transport, type RetryMode, type TransportOptions } from "./transport.ts";

export type DequeueMessage = components["schemas"]["DequeueMessage"];

/** What Dequeue found: nothing (204), or a message whose package may or may not be downloadable. */
export type DequeueResult =
  | { kind: "empty" }
  | { kind: "message"; message: DequeueMessage; package: PackageAvailability };

export type PackageAvailability = { available: true; location: string } | { available: false; reason: string };

/** An exported package as a stream; the caller reads it once. */
export interface PackageDownload {
  body: ReadableStream<Uint8Array>;
  /** From Content-Length, when the server sent one. */
  contentLength: number | undefined;
  contentType: string | undefined;
  url: string;
  /** The body ends where its connection does (no Content-Length, not chunked): a cut-off one reads as whole, so check the package itself (a zip: checkZip). */
  lengthUnchecked: boolean;
}

/** One parsed GetExecutionErrors entry; F&O returns the list JSON-encoded inside `value`. */
export type ExecutionErrors = { raw: string; errors: unknown[] | undefined };

/** Where to upload a package: GetAzureWriteUrl's answer after its second parse. */
export interface AzureWriteUrl {
  blobId: string;
  /** A SAS URL: its signature authorises the upload, and it expires. */
  blobUrl: string;
}

/** The OData actions bound to the DataManagementDefinitionGroups entity set, by name, with their bodies and answers. */
const actionPrefix = "/data/DataManagementDefinitionGroups/Microsoft.Dynamics.DataEntities.";
type ActionPath = Extract<keyof paths, `${typeof actionPrefix}${string}`>;
type ActionName = ActionPath extends `${typeof actionPrefix}${infer Name}` ? Name : never;
type ActionOperation<Name extends ActionName> = paths[`${typeof actionPrefix}${Name}`]["post"];
type ActionBody<Name extends ActionName> = NonNullable<ActionOperation<Name>["requestBody"]>["content"]["application/json"];
type ActionAnswer<Name extends ActionName> = ActionOperation<Name>["responses"][200]["content"]["application/json"];

export type ImportFromPackageRequest = ActionBody<"ImportFromPackage">;
export type ExportToPackageRequest = ActionBody<"ExportToPackage">;

export interface CallOptions {
  signal?: AbortSignal;
}

export interface DownloadToOptions extends CallOptions {
  /** Attempts and time for the whole download, shared with earlier downloads of the same package; default: a new one. */
  budget?: RetryBudget;
}

export interface EnqueueOptions extends CallOptions {
  entity?: string;
  company?: string;
  externalIdentifier?: string;
}

export interface FnoClientOptions extends TransportOptions {
  /** How uploadBlob splits a large file into blocks; what is not given comes from `defaultBlobUploadSettings`. */
  blobUpload?: Partial<BlobUploadSettings>;
}

const odataHeaders = { Accept: "application/json", "OData-Version": "4.0", "OData-MaxVersion": "4.0" } as const;
const jsonAccept = { Accept: "application/json" } as const;

/**
 * A typed client for the F&O recurring integrations API, one method per connector operation. Requests
 * are built by openapi-fetch from the types generated from connector/, and sent through a Transport
 * that owns tokens, retries and error mapping.
 */
export class FnoClient {
  readonly environmentUrl: string;
  /** The time this client waits on (its `now` and `sleep` options): workflows that poll wait on the same clock. */
  readonly clock: { now(): number; sleep(ms: number, signal?: AbortSignal): Promise<void> };
  readonly #transport: Transport;
  readonly #api: ReturnType<typeof createClient<paths>>;
  readonly #blobUpload: BlobUploadSettings;

  constructor(options: FnoClientOptions) {
    this.environmentUrl = new URL(options.environmentUrl).origin;
    this.clock = { now: options.now ?? Date.now, sleep: options.sleep ?? sleep };
    this.#transport = new Transport(options);
    this.#api = createClient<paths>({ baseUrl: this.environmentUrl });
    this.#blobUpload = blobUploadSettings(options.blobUpload);
  }

  /** Takes the next export message. Not idempotent, but a repeated dequeue only delays a message (it returns after the visibility timeout). */
  async dequeue(activityId: string, options: CallOptions = {}): Promise<DequeueResult> {
    const { data, response } = await this.#api.GET("/api/connector/dequeue/{activityId}", {
      params: { path: { activityId } },
      headers: jsonAccept,
      fetch: this.#send("Dequeue", "idempotent", options),
    });
    if (response.status === 204 || data === undefined) return { kind: "empty" };
    return { kind: "message", message: data, package: availability(data, this.environmentUrl) };
  }

  /**
   * Streams the package behind a DownloadLocation (or a dequeued message). The location is moved to https as
   * the F&O docs advise, and the bearer token goes only to the environment's own origin.
   */
  async download(location: string | DequeueMessage, options: CallOptions = {}): Promise<PackageDownload> {
    const url = this.#locationOf(location);
    const response = await this.#transport.sendStreamed(new Request(url, { method: "GET" }), {
      operation: "Download",
      retry: "idempotent",
      authorize: new URL(url).origin === this.environmentUrl,
      signal: options.signal,
    });
    const length = response.headers.get("content-length");
    return {
      body: bodyStream(response.body),
      contentLength: length === null ? undefined : Number(length),
      contentType: response.headers.get("content-type") ?? undefined,
      url,
      lengthUnchecked: response.lengthUnchecked,
    };
  }

  /**
   * Downloads a package into `sink`, resuming with an HTTP Range request when the body breaks off, and starting
   * over (`sink.restart()`) when the server ignores Range or the package changed. Every request, resumes
   * included, counts against one retry budget (see resumable-download.ts).
   */
  async downloadTo(location: string | DequeueMessage, sink: DownloadSink, options: DownloadToOptions = {}): Promise<DownloadResult> {
    const url = this.#locationOf(location);
    return downloadResumable(this.#transport, url, sink, {
      authorize: new URL(url).origin === this.environmentUrl,
      budget: options.budget ?? this.#transport.budget(),
      signal: options.signal,
    });
  }

  /** A budget for one package's downloads: `maxAttempts` requests at most (default: the policy's), the policy's time. */
  downloadBudget(maxAttempts?: number): RetryBudget {
    return this.#transport.budget(maxAttempts);
  }

  /** The retry policy in force, defaults filled in. */
  get retryPolicy(): RetryOptions {
    return this.#transport.retryPolicy;
  }

  /**
   * Uploads a file to a blob SAS URL (GetAzureWriteUrl's) as a block blob, streamed from disk: in one Put Blob, or
   * in blocks when it is larger than one request should carry at the URL's storage version (see blob-upload.ts).
   * Safe to repeat. The F&O token is never sent: the URL's signature is its authorisation, whatever host it names.
   */
  async uploadBlob(url: string, file: string, options: CallOptions = {}): Promise<void> {
    await uploadFile(this.#transport, url, file, this.#blobUpload, options.signal);
  }

  /**
   * Downloads a blob SAS URL (an exported package, an error file) into `sink`, resuming like `downloadTo`.
   * Never sends the F&O token, even when the URL names the environment's own host.
   */
  async downloadBlob(url: string, sink: DownloadSink, options: DownloadToOptions = {}): Promise<DownloadResult> {
    return downloadResumable(this.#transport, url, sink, {
      authorize: false,
      operation: blobOperations.download,
      budget: options.budget ?? this.#transport.budget(),
      signal: options.signal,
    });
  }

  #locationOf(location: string | DequeueMessage): string {
    const raw = typeof location === "string" ? location : location.DownloadLocation;
    if (!raw) throw new Error("Download: the message has no DownloadLocation (its package does not exist)");
    return normaliseLocation(raw, this.environmentUrl);
  }

  /** Confirms a dequeued message, sending its fields back unchanged as the docs require. */
  async acknowledge(activityId: string, message: DequeueMessage, options: CallOptions = {}): Promise<void> {
    await this.#api.POST("/api/connector/ack/{activityId}", {
      params: { path: { activityId } },
      body: message,
      headers: jsonAccept,
      parseAs: "text",
      fetch: this.#send("Acknowledge", "idempotent", options),
    });
  }

  /** Uploads a file or package to the import queue and returns the message ID (quotes removed). Never re-sent once it may have arrived. */
  async enqueue(activityId: string, content: Blob | Uint8Array, options: EnqueueOptions = {}): Promise<string> {
    const body = content instanceof Blob ? content : new Blob([content]);
    const { data } = await this.#api.POST("/api/connector/enqueue/{activityId}", {
      params: {
        path: { activityId },
        query: {
          ...(options.entity !== undefined ? { entity: options.entity } : {}),
          ...(options.company !== undefined ? { company: options.company } : {}),
        },
        header: options.externalIdentifier !== undefined ? { "x-ms-dyn-externalidentifier": options.externalIdentifier } : {},
      },
      body,
      bodySerializer: (value: Blob) => value,
      headers: { ...jsonAccept, "Content-Type": "application/octet-stream" },
      parseAs: "text",
      fetch: this.#send("Enqueue", "rejected-only", options),
    });
    return parseMessageId(String(data ?? ""));
  }

  async getMessageStatus(messageId: string, options: CallOptions = {}): Promise<string> {
    return odataValue("GetMessageStatus", await this.#action("GetMessageStatus", { messageId }, "idempotent", options));
  }

  async getExecutionIdByMessageId(messageId: string, options: CallOptions = {}): Promise<string> {
    return odataValue("GetExecutionIdByMessageId", await this.#action("GetExecutionIdByMessageId", { _messageId: messageId }, "idempotent", options));
  }

  async getExecutionSummaryStatus(executionId: string, options: CallOptions = {}): Promise<string> {
    return odataValue("GetExecutionSummaryStatus", await this.#action("GetExecutionSummaryStatus", { executionId }, "idempotent", options));
  }

  /** The execution's errors; F&O returns them as a JSON text inside `value`, parsed here when it parses. */
  async getExecutionErrors(executionId: string, options: CallOptions = {}): Promise<ExecutionErrors> {
    const raw = odataValue("GetExecutionErrors", await this.#action("GetExecutionErrors", { executionId }, "idempotent", options));
    try {
      const parsed: unknown = JSON.parse(raw);
      return { raw, errors: Array.isArray(parsed) ? parsed : undefined };
    } catch {
      return { raw, errors: undefined };
    }
  }

  /**
   * A write URL for a package upload. F&O answers with `value` holding a JSON text `{"BlobId","BlobUrl"}`, parsed
   * here a second time. Asking again only leaves an unused URL behind, so it is retried like a read.
   */
  async getAzureWriteUrl(uniqueFileName: string, options: CallOptions = {}): Promise<AzureWriteUrl> {
    return parseWriteUrl(odataValue("GetAzureWriteUrl", await this.#action("GetAzureWriteUrl", { uniqueFileName }, "idempotent", options)));
  }

  /**
   * Starts importing an uploaded package and returns the execution ID. Never re-sent once it may have reached F&O
   * ("rejected-only"): the import runs as a batch job, a second call would import the package twice, and the
   * docs say concurrent calls fail. After a failure that leaves it unclear, look the chosen execution ID up
   * with getExecutionSummaryStatus instead.
   */
  async importFromPackage(request: ImportFromPackageRequest, options: CallOptions = {}): Promise<string> {
    return odataValue("ImportFromPackage", await this.#action("ImportFromPackage", request, "rejected-only", options));
  }

  /**
   * Starts exporting a data project to a package and returns the execution ID. "rejected-only" for the same
   * reason as importFromPackage: each call runs an export batch job (and with change tracking consumes the delta).
   */
  async exportToPackage(request: ExportToPackageRequest, options: CallOptions = {}): Promise<string> {
    return odataValue("ExportToPackage", await this.#action("ExportToPackage", request, "rejected-only", options));
  }

  /** The SAS URL of an exported package; empty until the package exists. */
  async getExportedPackageUrl(executionId: string, options: CallOptions = {}): Promise<string> {
    return odataValue("GetExportedPackageUrl", await this.#action("GetExportedPackageUrl", { executionId }, "idempotent", options));
  }

  /** Asks F&O to write the keys of the records an import could not put into the target; true when there are any. Asking twice only writes the file again. */
  async generateImportTargetErrorKeysFile(executionId: string, entityName: string, options: CallOptions = {}): Promise<boolean> {
    const data = await this.#action("GenerateImportTargetErrorKeysFile", { executionId, entityName }, "idempotent", options);
    const value: unknown = data?.value;
    // Edm.Boolean; a string "true"/"false" is read too, as some OData serialisers write one.
    if (typeof value === "boolean") return value;
    if (value === "true" || value === "false") return value === "true";
    throw new ToolError(errorCodes.remote, `GenerateImportTargetErrorKeysFile: the response's "value" is not a boolean`);
  }

  /** The SAS URL of an entity's error-keys file; empty while it is being written (or when there are no errors). */
  async getImportTargetErrorKeysFileUrl(executionId: string, entityName: string, options: CallOptions = {}): Promise<string> {
    return odataValue("GetImportTargetErrorKeysFileUrl", await this.#action("GetImportTargetErrorKeysFileUrl", { executionId, entityName }, "idempotent", options));
  }

  /** The SAS URL of an entity's staging error file; empty when there is none. */
  async getImportStagingErrorFileUrl(executionId: string, entityName: string, options: CallOptions = {}): Promise<string> {
    return odataValue("GetImportStagingErrorFileUrl", await this.#action("GetImportStagingErrorFileUrl", { executionId, entityName }, "idempotent", options));
  }

  /** The link to the execution's summary page in F&O (not a blob: it opens in a signed-in browser). */
  async getExecutionSummaryPageUrl(executionId: string, options: CallOptions = {}): Promise<string> {
    return odataValue("GetExecutionSummaryPageUrl", await this.#action("GetExecutionSummaryPageUrl", { executionId }, "idempotent", options));
  }

  /**
   * POSTs one OData action bound to DataManagementDefinitionGroups with the OData headers; the operation name in
   * errors is the action's. Body and answer are typed from the generated paths, like every other call.
   */
  async #action<Name extends ActionName>(name: Name, body: ActionBody<Name>, retry: RetryMode, options: CallOptions): Promise<ActionAnswer<Name> | undefined> {
    // openapi-fetch cannot resolve its init type for a path that is a type parameter; the types above come from the same paths.
    const post = this.#api.POST as unknown as (path: string, init: object) => Promise<{ data?: unknown }>;
    const { data } = await post(`${actionPrefix}${name}`, { body, headers: odataHeaders, fetch: this.#send(name, retry, options) });
    return data as ActionAnswer<Name> | undefined;
  }

  #send(operation: string, retry: RetryMode, options: CallOptions): (request: Request) => Promise<Response> {
    return (request) => this.#transport.send(request, { operation, retry, authorize: true, signal: options.signal });
  }
}

function availability(message: DequeueMessage, environmentUrl: string): PackageAvailability {
  if (message.IsDownLoadFileExist === false) {
    return { available: false, reason: message.FileDownLoadErrorMessage || "the environment reports that the package file does not exist" };
  }
  if (!message.DownloadLocation) return { available: false, reason: "the message has no DownloadLocation" };
  return { available: true, location: normaliseLocation(message.DownloadLocation, environmentUrl) };
}

/**
 * Behind a load balancer F&O can hand out http:// locations; the docs and RIS move them to https on the
 * default port. Only an https environment is upgraded (the embedded simulator serves plain http on loopback).
 */
export function normaliseLocation(location: string, environmentUrl: string): string {
  const url = new URL(location);
  if (url.protocol === "http:" && new URL(environmentUrl).protocol === "https:") {
    url.protocol = "https:";
    if (url.port === "80") url.port = "";
  }
  return url.href;
}

/** Enqueue answers with the ID as a JSON string literal (`"…"`); Microsoft's samples strip the quotes. */
export function parseMessageId(body: string): string {
  const text = body.trim();
  try {
    const parsed: unknown = JSON.parse(text);
    if (typeof parsed === "string") return parsed;
  } catch {
    // Not JSON: fall through to the bare text.
  }
  return text.replace(/^"|"$/g, "");
}

/**
 * The `value` string of an OData action's answer. The docs show some answers (ExportToPackage,
 * GetExportedPackageUrl) nested as `{"value":{"value":"…"}}` while Microsoft's own clients read a flat string;
 * both are accepted (docs/platform-assumptions.md).
 */
function odataValue(operation: string, data: unknown): string {
  let value: unknown = (data as { value?: unknown } | undefined)?.value;
  if (typeof value === "object" && value !== null && "value" in value) value = (value as { value: unknown }).value;
  if (typeof value !== "string") throw new ToolError(errorCodes.remote, `${operation}: the response has no "value" string`);
  return value;
}

/** GetAzureWriteUrl's inner JSON. Its text is never quoted in an error: the URL carries a signature. */
function parseWriteUrl(text: string): AzureWriteUrl {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    throw new ToolError(errorCodes.remote, `GetAzureWriteUrl: "value" is not the JSON text {"BlobId","BlobUrl"} the documentation describes (${(err as Error).message})`);
  }
  const { BlobId, BlobUrl } = (parsed ?? {}) as { BlobId?: unknown; BlobUrl?: unknown };
  if (typeof BlobUrl !== "string" || !/^https?:\/\//i.test(BlobUrl)) {
    throw new ToolError(errorCodes.remote, `GetAzureWriteUrl: "value" has no BlobUrl with an http(s) URL`);
  }
  return { blobId: typeof BlobId === "string" ? BlobId : "", blobUrl: BlobUrl };
}
