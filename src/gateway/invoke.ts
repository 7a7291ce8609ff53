import type { HeaderMap, MessageBody, ResponseDraft } from "../policies/message.ts";
import { ResponseError } from "./errors.ts";
import type { ConnectorPackage } from "./package.ts";
import { applyResponsePolicies } from "./policies.ts";
import { prepareRequest, type OperationInputs } from "./request.ts";
import { declaredResponse, readParsedBody, statusError, successOutputs } from "./response.ts";
import { isBinarySchema } from "./schema.ts";

export interface InvokeOptions {
  /** The fetch to send with; by default `globalThis.fetch` as it is at call time (so interceptors such as nock apply). */
  readonly fetch?: typeof globalThis.fetch;
  readonly signal?: AbortSignal;
  /** How a binary output is returned: read into a Uint8Array (default) or as the response's stream, unread. */
  readonly binary?: "bytes" | "stream";
}

export interface InvokeResult {
  readonly status: number;
  /** Response headers in lower case, after the Response-section policies. */
  readonly headers: HeaderMap;
  /** The declared output: a JSON value, a Uint8Array or stream for a binary schema, undefined for none. */
  readonly outputs: unknown;
}

/**
 * Runs one operation as the platform would: builds the request (see buildRequest), sends it, applies the
 * Response-section policies to a 2xx answer and returns its outputs, checked against the declared schema.
 * A non-2xx answer, an undeclared 2xx status and a body that breaks the schema reject with a ResponseError.
 * Redirects are not followed: a 3xx rejects like any other non-2xx, its message naming the Location.
 */
export async function invoke(pkg: ConnectorPackage, operationId: string, inputs: OperationInputs = {}, options: InvokeOptions = {}): Promise<InvokeResult> {
  const prepared = prepareRequest(pkg, operationId, inputs);
  const { operation, request } = prepared;
  const send = options.fetch ?? globalThis.fetch;
  const init: RequestInit & { duplex?: "half" } = {
    method: request.method,
    headers: request.headers,
    body: request.body ?? null,
    redirect: "manual",
    signal: options.signal ?? null,
  };
  // fetch sends a stream body only when told it will not read the response before the upload ends.
  if (request.body instanceof ReadableStream) init.duplex = "half";
  const response = await send(request.url, init);

  const headers: HeaderMap = Object.fromEntries(response.headers);
  const declared = declaredResponse(pkg, operation, response.status);
  if (response.status < 200 || response.status > 299) {
    throw statusError(operation, response.status, headers, await readParsedBody(response), declared !== undefined);
  }
  if (!declared) {
    await response.body?.cancel();
    throw new ResponseError("undeclared-status", `operation ${operation.id}: response status ${response.status} is not declared in its responses`, {
      operationId: operation.id,
      status: response.status,
      headers,
      body: undefined,
    });
  }
  const body = isBinarySchema(declared.schema) ? await readBinaryBody(response, options.binary ?? "bytes") : await readParsedBody(response);
  const answered: ResponseDraft = { status: response.status, headers, body };
  const final = applyResponsePolicies(prepared.policies, operation.id, answered, { connection: inputs.connection ?? {}, request: prepared.draft });
  return { status: final.status, headers: final.headers, outputs: successOutputs(pkg, operation, final.status, final.headers, final.body, declared) };
}

async function readBinaryBody(response: Response, mode: "bytes" | "stream"): Promise<MessageBody> {
  if (mode === "stream") return response.body ? { kind: "binary", data: response.body } : { kind: "none" };
  return { kind: "binary", data: new Uint8Array(await response.arrayBuffer()) };
}
