import type { IncomingMessage, OutgoingHttpHeaders, ServerResponse } from "node:http";
import { finished } from "node:stream/promises";
import type { Counters } from "./counters.ts";
import type { EndpointName } from "./endpoints.ts";
import type { BodyFault } from "./faults.ts";

/**
 * An F&O error body: OData v4's JSON error format as F&O fills it, with an often empty `code`, a generic
 * `message` and the useful text in `innererror.message` (docs/platform-assumptions.md, "F&O API behaviour").
 * The simulator's texts are its own.
 */
export function fnoError(message: string, detail: string): { error: { code: string; message: string; innererror: { message: string } } } {
  return { error: { code: "", message, innererror: { message: detail } } };
}

/** Why a request path cannot be read (percent-encoding that is not UTF-8), or undefined when it can. */
export function malformedPath(pathname: string): string | undefined {
  try {
    decodeURIComponent(pathname);
    return undefined;
  } catch {
    return `The request path '${pathname}' is not valid percent-encoding (each % must start an escape of UTF-8 bytes).`;
  }
}

export const JSON_TYPE = "application/json; charset=utf-8";
/** What F&O's OData endpoints answer with (the `/data` actions), as captured F&O responses show. */
export const ODATA_JSON_HEADERS = { "content-type": "application/json; odata.metadata=minimal; charset=utf-8", "odata-version": "4.0" };

/** Answers outside an `Exchange` (no faults, no counters): routing errors and the admin API. */
export function sendJson(res: ServerResponse, status: number, value: unknown, headers: OutgoingHttpHeaders = {}): void {
  const body = Buffer.from(JSON.stringify(value));
  res.writeHead(status, { "content-type": JSON_TYPE, "content-length": body.length, ...headers });
  res.end(body);
}

/** One request and its answer; everything a handler writes goes through here so faults and counters apply. */
export class Exchange {
  readonly req: IncomingMessage;
  readonly res: ServerResponse;
  readonly url: URL;
  readonly endpoint: EndpointName;
  /** Set by the fault rules: the answer is cut after some bytes of body. */
  bodyFault: BodyFault | undefined;
  readonly #counters: Counters;

  constructor(req: IncomingMessage, res: ServerResponse, url: URL, endpoint: EndpointName, counters: Counters) {
    this.req = req;
    this.res = res;
    this.url = url;
    this.endpoint = endpoint;
    this.#counters = counters;
  }

  /** A request header as one string (the first, if sent several times). */
  header(name: string): string | undefined {
    const value = this.req.headers[name];
    return Array.isArray(value) ? value[0] : value;
  }

  async json(status: number, value: unknown, headers: OutgoingHttpHeaders = { "content-type": JSON_TYPE }): Promise<void> {
    const body = Buffer.from(JSON.stringify(value));
    await this.#write(status, headers, body.length, [body]);
  }

  async empty(status: number, headers: OutgoingHttpHeaders = {}): Promise<void> {
    await this.#write(status, headers, 0, []);
  }

  /** Streams `size` bytes; resolves with how many body bytes were written and whether that was all. */
  async stream(status: number, headers: OutgoingHttpHeaders, size: number, source: Iterable<Buffer> | AsyncIterable<Buffer>): Promise<{ sent: number; complete: boolean }> {
    const sent = await this.#write(status, headers, size, source);
    return { sent, complete: sent === size && this.res.writableFinished };
  }

  async #write(status: number, headers: OutgoingHttpHeaders, size: number, source: Iterable<Buffer> | AsyncIterable<Buffer>): Promise<number> {
    const fault = this.bodyFault;
    const socket = this.res.socket;
    if (fault && size === 0) {
      // Nothing to cut in: break the connection before the status line instead.
      this.#counters.add("faultsInjected");
      if (fault.kind === "reset") socket?.resetAndDestroy();
      else socket?.end();
      return 0;
    }
    this.#counters.response(this.endpoint, status);
    // 204 and 304 carry no body (RFC 9110 §6.4.1); a 204 must not send Content-Length (§8.6), nor does a 304 here.
    this.res.writeHead(status, status === 204 || status === 304 ? headers : { ...headers, "content-length": size });
    // Keep at least one byte back, so a fault always shortens the body.
    const limit = fault ? Math.min(fault.afterBytes, size - 1) : size;
    let sent = 0;
    for await (const chunk of source) {
      if (this.res.destroyed) break;
      const part = sent + chunk.length > limit ? chunk.subarray(0, limit - sent) : chunk;
      sent += part.length;
      if (!this.res.write(part) && !(await drained(this.res))) break;
      if (sent >= limit) break;
    }
    if (!fault) {
      this.res.end();
      // A client that hangs up before the last byte makes this reject; `sent` still tells what went out.
      await finished(this.res).catch(() => undefined);
      return sent;
    }
    this.#counters.add("faultsInjected");
    if (fault.kind === "reset") {
      // Let what was written reach the socket, then abort with a TCP RST.
      this.res.socket?.resetAndDestroy();
    } else {
      // A clean close (FIN) short of Content-Length: the client sees a truncated body, not a reset.
      this.res.socket?.end();
    }
    return sent;
  }
}

/** Resolves true when the response can take more data, false when the connection went away. */
function drained(res: ServerResponse): Promise<boolean> {
  return new Promise((resolve) => {
    const settle = (ok: boolean) => {
      res.off("drain", onDrain);
      res.off("close", onClose);
      resolve(ok);
    };
    const onDrain = () => settle(true);
    const onClose = () => settle(false);
    res.on("drain", onDrain);
    res.on("close", onClose);
  });
}

/** Reads a request body, refusing it once it exceeds `limit` bytes; `onChunk` sees every chunk. */
export async function readBody(req: IncomingMessage, limit: number, onChunk?: (chunk: Buffer) => void): Promise<Buffer[] | "too-large"> {
  const declared = Number(req.headers["content-length"] ?? Number.NaN);
  if (declared > limit) return "too-large";
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of req) {
    total += (chunk as Buffer).length;
    if (total > limit) return "too-large";
    if (onChunk) onChunk(chunk as Buffer);
    else chunks.push(chunk as Buffer);
  }
  return chunks;
}

export interface MediaType {
  /** Lower-case `type/subtype`. */
  essence: string;
  /** Parameter names in lower case, values unquoted. */
  parameters: Map<string, string>;
}

export function parseMediaType(header: string | undefined): MediaType | undefined {
  if (!header) return undefined;
  const [essence, ...rest] = header.split(";");
  const parameters = new Map<string, string>();
  for (const item of rest) {
    const at = item.indexOf("=");
    if (at < 0) continue;
    parameters.set(item.slice(0, at).trim().toLowerCase(), item.slice(at + 1).trim().replace(/^"(.*)"$/, "$1"));
  }
  return { essence: essence!.trim().toLowerCase(), parameters };
}

/** True when the request's `Content-Type` is JSON in UTF-8 (no charset means UTF-8 for JSON). */
export function isJsonUtf8(header: string | undefined): boolean {
  const type = parseMediaType(header);
  if (type?.essence !== "application/json") return false;
  const charset = type.parameters.get("charset")?.toLowerCase();
  return charset === undefined || charset === "utf-8";
}

/** True when the `Accept` header (absent means anything) allows a JSON answer. */
export function acceptsJson(header: string | undefined): boolean {
  if (!header) return true;
  return header.split(",").some((range) => {
    const type = parseMediaType(range);
    if (!type || !["application/json", "application/*", "*/*"].includes(type.essence)) return false;
    return Number(type.parameters.get("q") ?? "1") > 0;
  });
}
