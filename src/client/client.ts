import { Readable } from "node:stream";
import createClient from "openapi-fetch";
import type { components, paths } from "../generated/fno-connector.ts";
import { downloadResumable, type DownloadResult, type DownloadSink } from "./resumable-download.ts";
import type { RetryBudget, RetryOptions } from "./retry.ts";
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
}

/** One parsed GetExecutionErrors entry; F&O returns the list JSON-encoded inside `value`. */
export type ExecutionErrors = { raw: string; errors: unknown[] | undefined };

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

export type FnoClientOptions = TransportOptions;

const odataHeaders = { Accept: "application/json", "OData-Version": "4.0", "OData-MaxVersion": "4.0" } as const;
const jsonAccept = { Accept: "application/json" } as const;

/**
 * A typed client for the F&O recurring integrations API, one method per connector operation. Requests
 * are built by openapi-fetch from the types generated from connector/, and sent through a Transport
 * that owns tokens, retries and error mapping.
 */
export class FnoClient {
  readonly environmentUrl: string;
  readonly #transport: Transport;
  readonly #api: ReturnType<typeof createClient<paths>>;

  constructor(options: FnoClientOptions) {
    this.environmentUrl = new URL(options.environmentUrl).origin;
    this.#transport = new Transport(options);
    this.#api = createClient<paths>({ baseUrl: this.environmentUrl });
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
      body: Readable.toWeb(response.body) as ReadableStream<Uint8Array>,
      contentLength: length === null ? undefined : Number(length),
      contentType: response.headers.get("content-type") ?? undefined,
      url,
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
    const { data } = await this.#api.POST("/data/DataManagementDefinitionGroups/Microsoft.Dynamics.DataEntities.GetMessageStatus", {
      body: { messageId },
      headers: odataHeaders,
      fetch: this.#send("GetMessageStatus", "idempotent", options),
    });
    return odataValue("GetMessageStatus", data);
  }

  async getExecutionIdByMessageId(messageId: string, options: CallOptions = {}): Promise<string> {
    const { data } = await this.#api.POST(
      "/data/DataManagementDefinitionGroups/Microsoft.Dynamics.DataEntities.GetExecutionIdByMessageId",
      { body: { _messageId: messageId }, headers: odataHeaders, fetch: this.#send("GetExecutionIdByMessageId", "idempotent", options) },
    );
    return odataValue("GetExecutionIdByMessageId", data);
  }

  async getExecutionSummaryStatus(executionId: string, options: CallOptions = {}): Promise<string> {
    const { data } = await this.#api.POST(
      "/data/DataManagementDefinitionGroups/Microsoft.Dynamics.DataEntities.GetExecutionSummaryStatus",
      { body: { executionId }, headers: odataHeaders, fetch: this.#send("GetExecutionSummaryStatus", "idempotent", options) },
    );
    return odataValue("GetExecutionSummaryStatus", data);
  }

  /** The execution's errors; F&O returns them as a JSON text inside `value`, parsed here when it parses. */
  async getExecutionErrors(executionId: string, options: CallOptions = {}): Promise<ExecutionErrors> {
    const { data } = await this.#api.POST("/data/DataManagementDefinitionGroups/Microsoft.Dynamics.DataEntities.GetExecutionErrors", {
      body: { executionId },
      headers: odataHeaders,
      fetch: this.#send("GetExecutionErrors", "idempotent", options),
    });
    const raw = odataValue("GetExecutionErrors", data);
    try {
      const parsed: unknown = JSON.parse(raw);
      return { raw, errors: Array.isArray(parsed) ? parsed : undefined };
    } catch {
      return { raw, errors: undefined };
    }
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

function odataValue(operation: string, data: { value?: string } | undefined): string {
  if (typeof data?.value !== "string") throw new Error(`${operation}: the response has no "value" string`);
  return data.value;
}
