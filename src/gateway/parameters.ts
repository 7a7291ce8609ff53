/**
 * From an operation and its parameter values to a `RequestDraft`: the host URL from `schemes`, `host`
 * and `basePath`; the path template filled per `x-ms-url-encoding`; query, headers and body. Values the
 * caller leaves out are taken from the defaults of internal parameters, as the designer sends them.
 */
import { withHeader, withQueryParameter, type HeaderMap, type MessageBody, type QueryList, type RequestDraft } from "../policies/message.ts";
import { isInternal, isObject } from "../connector/index.ts";
import { joinPointer } from "../spec/pointer.ts";
import { GatewayError } from "./errors.ts";
import type { Operation, OperationParameter } from "./operation.ts";
import { definitionFile, type ConnectorPackage } from "./package.ts";
import { deref } from "./refs.ts";
import { isBinarySchema } from "./schema.ts";
import { encodePathValue } from "../http/url.ts";

/** Operation parameter values by parameter name; the body parameter's value is the whole body. */
export type ParameterValues = Readonly<Record<string, unknown>>;

export function draftRequest(pkg: ConnectorPackage, operation: Operation, values: ParameterValues): RequestDraft {
  rejectUnknownNames(operation, values);
  const supplied = operation.parameters.flatMap((parameter) => {
    const value = valueOf(operation, parameter, values);
    return value === undefined ? [] : [{ parameter, value }];
  });

  const pathValues: Record<string, string> = {};
  let query: QueryList = [];
  let headers: HeaderMap = {};
  let body: MessageBody = { kind: "none" };
  const formFields: [string, string | Blob][] = [];

  for (const { parameter, value } of supplied) {
    switch (parameter.in) {
      case "path":
        pathValues[parameter.name] = encodePathValue(scalarText(operation, parameter, value), parameter.urlEncoding);
        break;
      case "query":
        for (const item of queryItems(operation, parameter, value)) query = withQueryParameter(query, parameter.name, item, "append");
        break;
      case "header":
        headers = withHeader(headers, parameter.name, listText(operation, parameter, value));
        break;
      case "formData":
        formFields.push([parameter.name, parameter.type === "file" ? toBlob(operation, parameter, value) : listText(operation, parameter, value)]);
        break;
      case "body": {
        const written = bodyOf(pkg, operation, parameter, value);
        body = written.body;
        if (written.contentType) headers = withHeader(headers, "Content-Type", written.contentType, "skip");
        break;
      }
    }
  }
  if (formFields.length > 0) {
    const textFields = formFields.filter((field): field is [string, string] => typeof field[1] === "string");
    const multipart = textFields.length < formFields.length || operation.consumes.some((type) => /^multipart\/form-data\b/i.test(type));
    // A multipart boundary is chosen when the form is written, so only the urlencoded type is set here.
    if (multipart) {
      body = { kind: "multipart", fields: formFields };
    } else {
      body = { kind: "urlencoded", fields: textFields };
      headers = withHeader(headers, "Content-Type", "application/x-www-form-urlencoded", "skip");
    }
  }

  return {
    method: operation.method,
    hostUrl: hostUrlOf(pkg.definition),
    path: fillPathTemplate(operation, pathValues),
    pathValues,
    query,
    headers,
    body,
  };
}

/** `https://host/basePath` from the definition; `https` wins when `schemes` lists it. */
export function hostUrlOf(definition: Record<string, unknown>): string | undefined {
  const host = definition["host"];
  if (typeof host !== "string" || host === "") return undefined;
  const schemes = Array.isArray(definition["schemes"]) ? definition["schemes"] : [];
  const scheme = schemes.includes("https") || schemes.length === 0 ? "https" : String(schemes[0]);
  const basePath = typeof definition["basePath"] === "string" ? definition["basePath"].replace(/\/+$/, "") : "";
  return `${scheme}://${host}${basePath}`;
}

function rejectUnknownNames(operation: Operation, values: ParameterValues): void {
  const unknown = Object.keys(values).filter((name) => !operation.parameters.some((parameter) => parameter.name === name));
  if (unknown.length === 0) return;
  const known = operation.parameters.map((parameter) => `${parameter.name} (${parameter.in})`);
  throw new GatewayError(
    "input",
    `operation ${operation.id} has no parameter ${unknown.map((name) => `'${name}'`).join(", ")}; its parameters: ${known.join(", ") || "none"}`,
    operation.id,
  );
}

function valueOf(operation: Operation, parameter: OperationParameter, values: ParameterValues): unknown {
  const given = values[parameter.name];
  if (given !== undefined && given !== null) {
    if (parameter.in === "path" && given === "") {
      throw new GatewayError("input", `operation ${operation.id}: path parameter '${parameter.name}' must not be empty`, operation.id);
    }
    return given;
  }
  if (parameter.internal && parameter.default !== undefined) return parameter.default;
  if (parameter.required) {
    throw new GatewayError(
      "input",
      `operation ${operation.id}: required parameter '${parameter.name}' (in ${parameter.in}) has no value (${definitionFile}#${parameter.pointer})`,
      operation.id,
    );
  }
  return undefined;
}

function fillPathTemplate(operation: Operation, pathValues: Readonly<Record<string, string>>): string {
  return operation.path.replace(/\{([^{}]+)\}/g, (_whole, name: string) => {
    const value = pathValues[name];
    if (value !== undefined) return value;
    throw new GatewayError(
      operation.parameters.some((parameter) => parameter.name === name && parameter.in === "path") ? "input" : "package",
      `operation ${operation.id}: path ${operation.path} needs {${name}}, which has no value (declare it as a required path parameter)`,
      operation.id,
    );
  });
}

function scalarText(operation: Operation, parameter: OperationParameter, value: unknown): string {
  if (typeof value === "string") return value;
  if (typeof value === "number" || typeof value === "boolean") return String(value);
  throw new GatewayError(
    "input",
    `operation ${operation.id}: parameter '${parameter.name}' (in ${parameter.in}) must be a string, number or boolean, found ${describe(value)}`,
    operation.id,
  );
}

const separators: Readonly<Record<string, string>> = { csv: ",", ssv: " ", tsv: "\t", pipes: "|" };

/** An array parameter's items joined per `collectionFormat` (csv when absent); a scalar is one item. */
function listText(operation: Operation, parameter: OperationParameter, value: unknown): string {
  if (!Array.isArray(value)) return scalarText(operation, parameter, value);
  return value.map((item) => scalarText(operation, parameter, item)).join(separators[parameter.collectionFormat] ?? ",");
}

/** `collectionFormat: multi` repeats the query parameter once per item; the other formats join them. */
function queryItems(operation: Operation, parameter: OperationParameter, value: unknown): string[] {
  if (Array.isArray(value) && parameter.collectionFormat === "multi") return value.map((item) => scalarText(operation, parameter, item));
  return [listText(operation, parameter, value)];
}

function isJsonMediaType(type: string): boolean {
  return /^(application\/([\w.-]+\+)?json|text\/json)\b/i.test(type);
}

/**
 * The body per its schema and `consumes`: a binary schema sends the bytes as given; a string schema under
 * a non-JSON media type sends the text; anything else is JSON, with the defaults of internal properties.
 */
function bodyOf(pkg: ConnectorPackage, operation: Operation, parameter: OperationParameter, value: unknown): { body: MessageBody; contentType: string | undefined } {
  const schema = deref(pkg.definition, parameter.schema ?? {}, joinPointer(parameter.pointer, "schema")).node;
  const jsonType = operation.consumes.find(isJsonMediaType);
  const [firstType] = operation.consumes;
  if (isBinarySchema(schema)) {
    return { body: { kind: "binary", data: binaryData(operation, parameter, value) }, contentType: firstType ?? "application/octet-stream" };
  }
  if (isObject(schema) && schema["type"] === "string" && firstType !== undefined && jsonType === undefined) {
    return { body: { kind: "text", text: scalarText(operation, parameter, value) }, contentType: firstType };
  }
  return { body: { kind: "json", value: withInternalDefaults(pkg.definition, schema, value, 0) }, contentType: jsonType ?? "application/json" };
}

/** Fills internal properties the caller left out with their defaults, as the designer does for hidden fields. */
function withInternalDefaults(definition: Record<string, unknown>, schemaNode: unknown, value: unknown, depth: number): unknown {
  // Recursive schemas (a tree of nodes) end where the value ends; the depth bound only guards malformed input.
  if (depth > 64) return value;
  const schema = deref(definition, schemaNode, "").node;
  if (!isObject(schema)) return value;
  if (Array.isArray(value)) return value.map((item) => withInternalDefaults(definition, schema["items"], item, depth + 1));
  const properties = schema["properties"];
  if (!isObject(value) || !isObject(properties)) return value;
  const filled: Record<string, unknown> = { ...value };
  for (const [name, propertyNode] of Object.entries(properties)) {
    const property = deref(definition, propertyNode, "").node;
    if (!isObject(property)) continue;
    if (filled[name] === undefined) {
      if (isInternal(property) && property["default"] !== undefined) filled[name] = structuredClone(property["default"]);
    } else {
      filled[name] = withInternalDefaults(definition, property, filled[name], depth + 1);
    }
  }
  return filled;
}

function binaryData(operation: Operation, parameter: OperationParameter, value: unknown): Uint8Array | Blob | ReadableStream<Uint8Array> | string {
  if (typeof value === "string" || value instanceof Uint8Array || value instanceof Blob || value instanceof ReadableStream) return value;
  throw new GatewayError(
    "input",
    `operation ${operation.id}: parameter '${parameter.name}' is binary and takes bytes (Uint8Array, Blob, ReadableStream or string), found ${describe(value)}`,
    operation.id,
  );
}

function toBlob(operation: Operation, parameter: OperationParameter, value: unknown): Blob {
  if (value instanceof Blob) return value;
  if (typeof value === "string" || value instanceof Uint8Array) return new Blob([value]);
  throw new GatewayError(
    "input",
    `operation ${operation.id}: file parameter '${parameter.name}' takes a Blob, Uint8Array or string, found ${describe(value)}`,
    operation.id,
  );
}


function describe(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  return typeof value === "object" ? "an object" : typeof value;
}
