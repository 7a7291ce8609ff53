/**
 * Reading a backend response the way the operation declares it: which response entry applies, whether
 * the body is bytes or JSON, the OData error of a failure, and the outputs of a success.
 */
import type { ValidateFunction } from "ajv-draft-04";
import { readODataError, type ParsedErrorBody } from "../http/odata.ts";
import type { HeaderMap, MessageBody } from "../policies/message.ts";
import { joinPointer } from "../spec/pointer.ts";
import { GatewayError, ResponseError } from "./errors.ts";
import type { Operation } from "./operation.ts";
import { definitionFile, type ConnectorPackage } from "./package.ts";
import { deref } from "./refs.ts";
import { compileSchema, describeErrors } from "./schema.ts";

export interface DeclaredResponse {
  /** The response entry's schema (its `$ref` followed), undefined when it declares none. */
  readonly schema: unknown;
  /** Pointer of the schema in apiDefinition.swagger.json, for messages. */
  readonly pointer: string;
}

/** The response entry for a status: its own code, else `default`; undefined when neither is declared. */
export function declaredResponse(pkg: ConnectorPackage, operation: Operation, status: number): DeclaredResponse | undefined {
  const key = [String(status), "default"].find((candidate) => operation.responses[candidate] !== undefined);
  if (key === undefined) return undefined;
  const entry = deref(pkg.definition, operation.responses[key], joinPointer(operation.pointer, "responses", key));
  const schemaNode = (entry.node as { schema?: unknown } | null)?.schema;
  if (schemaNode === undefined) return { schema: undefined, pointer: entry.pointer };
  const schema = deref(pkg.definition, schemaNode, joinPointer(entry.pointer, "schema"));
  return { schema: schema.node, pointer: schema.pointer };
}

/** Reads a body that is not declared binary: empty is "none", JSON is parsed, anything else stays text. */
export async function readParsedBody(response: Response): Promise<MessageBody> {
  const text = await response.text();
  if (text === "") return { kind: "none" };
  try {
    return { kind: "json", value: JSON.parse(text) };
  } catch {
    return { kind: "text", text };
  }
}

/** The OData error of a JSON body, when it is one. */
export function odataErrorText(body: MessageBody): ParsedErrorBody | undefined {
  return body.kind === "json" ? readODataError(body.value) : undefined;
}

/** The error for a non-2xx response: HTTP status, then whatever the OData error (or the text) says. */
export function statusError(operation: Operation, status: number, headers: HeaderMap, body: MessageBody, declared: boolean): ResponseError {
  const odata = odataErrorText(body);
  const said = odata
    ? [odata.code, odata.message, odata.innerMessage].filter((part) => part !== undefined).join(": ")
    : body.kind === "text"
      ? body.text.slice(0, 500)
      : "";
  const location = status >= 300 && status < 400 && headers["location"] ? ` (redirect to ${headers["location"]}; the gateway does not follow redirects)` : "";
  const undeclared = declared ? "" : " (a status the operation does not declare)";
  return new ResponseError("status", `operation ${operation.id} failed with HTTP ${status}${undeclared}${location}${said ? `: ${said}` : ""}`, {
    operationId: operation.id,
    status,
    headers,
    body: bodyValue(body),
    odata,
  });
}

/**
 * The outputs of a 2xx response. No schema, or an empty body, means no outputs (F&O answers some
 * calls with a bare 200). A text body counts for a string schema; otherwise the JSON is validated.
 */
export function successOutputs(pkg: ConnectorPackage, operation: Operation, status: number, headers: HeaderMap, body: MessageBody, declared: DeclaredResponse): unknown {
  if (declared.schema === undefined || body.kind === "none") return undefined;
  if (body.kind === "binary") return body.data;
  const mismatch = (detail: string) =>
    new ResponseError("schema", `operation ${operation.id}: response ${status} does not match the declared schema (${definitionFile}#${declared.pointer}): ${detail}`, {
      operationId: operation.id,
      status,
      headers,
      body: bodyValue(body),
    });
  const value = bodyValue(body);
  if (body.kind !== "json" && (declared.schema as { type?: unknown } | null)?.type !== "string") {
    throw mismatch(`the body is not JSON: ${String(value).slice(0, 200)}`);
  }
  const validate = validatorFor(pkg, operation, declared);
  if (!validate(value)) throw mismatch(describeErrors(validate));
  return value;
}

function validatorFor(pkg: ConnectorPackage, operation: Operation, declared: DeclaredResponse): ValidateFunction {
  try {
    return compileSchema(pkg.definition, declared.schema);
  } catch (err) {
    throw new GatewayError("package", `${definitionFile}#${declared.pointer}: the response schema cannot be compiled: ${(err as Error).message}`, operation.id);
  }
}

function bodyValue(body: MessageBody): unknown {
  switch (body.kind) {
    case "none":
      return undefined;
    case "json":
      return body.value;
    case "text":
      return body.text;
    case "binary":
      return body.data;
    case "urlencoded":
    case "multipart":
      return body.fields;
  }
}
