import type { MessageBody, RequestDraft } from "../policies/message.ts";
import type { ConnectionValues, PolicyInstance } from "../policies/template.ts";
import { withConnectionAuth } from "./auth.ts";
import { GatewayError } from "./errors.ts";
import { findOperation, type Operation } from "./operation.ts";
import type { ConnectorPackage } from "./package.ts";
import { draftRequest, type ParameterValues } from "./parameters.ts";
import { applyRequestPolicies, instancesFor, readPolicyInstances, requireSupported } from "./policies.ts";
import { composeUrl, writeQuery } from "../http/url.ts";

export interface OperationInputs {
  /** Operation parameter values by parameter name; the body parameter's value is the whole body. */
  readonly parameters?: ParameterValues;
  /** Connection parameter values by name: `token` (an access token), `token:resourceUri`, … */
  readonly connection?: ConnectionValues;
}

export type HttpBody = string | Uint8Array | Blob | ReadableStream<Uint8Array> | FormData;

/** A request ready for fetch. Header names are lower case; a JSON body is already serialised. */
export interface HttpRequest {
  readonly method: string;
  readonly url: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: HttpBody | undefined;
}

/** Everything `invoke` needs besides the request: the operation, its policies and the draft they saw. */
export interface PreparedRequest {
  readonly operation: Operation;
  readonly policies: readonly PolicyInstance[];
  /** The request after the Request-section policies, before it was written (Response policies read it). */
  readonly draft: RequestDraft;
  readonly request: HttpRequest;
}

/**
 * The HTTP request the platform would send for one operation: parameters, connection credentials, then
 * the Request-section policy templates in array order. Pure: nothing is sent.
 */
export function buildRequest(pkg: ConnectorPackage, operationId: string, inputs: OperationInputs = {}): HttpRequest {
  return prepareRequest(pkg, operationId, inputs).request;
}

export function prepareRequest(pkg: ConnectorPackage, operationId: string, inputs: OperationInputs = {}): PreparedRequest {
  const operation = findOperation(pkg, operationId);
  refuseScript(pkg, operation);
  const policies = instancesFor(readPolicyInstances(pkg.properties), operation.id);
  requireSupported(policies, operation.id);
  const connection = inputs.connection ?? {};
  const parameterised = draftRequest(pkg, operation, inputs.parameters ?? {});
  const draft = applyRequestPolicies(policies, operation.id, withConnectionAuth(pkg, operation, parameterised, connection), connection);
  return { operation, policies, draft, request: writeRequest(draft, operation.id) };
}

/** Turns a draft into a URL, headers and body bytes. */
export function writeRequest(draft: RequestDraft, operationId: string): HttpRequest {
  if (draft.hostUrl === undefined) {
    throw new GatewayError("package", `operation ${operationId} has no host: the definition sets no "host" and no dynamichosturl policy applies`, operationId);
  }
  for (const [name, value] of Object.entries(draft.headers)) requireHeaderValue(name, value, operationId);
  return { method: draft.method, url: composeUrl(draft.hostUrl, draft.path, draft.query), headers: { ...draft.headers }, body: writeBody(draft.body) };
}

/**
 * A header value fetch can send: no CR, LF or NUL (which would split the header), nothing above U+00FF.
 * Checked here so the error names the header only: fetch's own error quotes the value, which is often a credential.
 */
function requireHeaderValue(name: string, value: string, operationId: string): void {
  if (/[\r\n\0]|[^\u0000-\u00ff]/.test(value)) {
    throw new GatewayError(
      "input",
      `operation ${operationId}: the value of header '${name}' has a line break, NUL or a character above U+00FF, which HTTP headers cannot carry; check the parameter or connection value it comes from`,
      operationId,
    );
  }
}

function writeBody(body: MessageBody): HttpBody | undefined {
  switch (body.kind) {
    case "none":
      return undefined;
    case "json":
      return JSON.stringify(body.value);
    case "text":
      return body.text;
    case "binary":
      return body.data;
    case "urlencoded":
      return writeQuery(body.fields);
    case "multipart":
      return body.fields.reduce((form, [name, value]) => {
        form.append(name, value);
        return form;
      }, new FormData());
  }
}

/**
 * Operations listed in `scriptOperations` run a script.csx, which the gateway cannot run; an empty list
 * sends every operation through the script (paconn's documentation).
 */
function refuseScript(pkg: ConnectorPackage, operation: Operation): void {
  const inner = pkg.properties["properties"] as { scriptOperations?: unknown } | undefined;
  const listed = inner?.scriptOperations;
  const scripted = Array.isArray(listed) && (listed.length === 0 || listed.includes(operation.id));
  if (scripted) {
    throw new GatewayError("unsupported", `operation ${operation.id} runs custom code (script.csx), which the gateway does not run`, operation.id);
  }
}
