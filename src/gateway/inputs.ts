/**
 * Parameter values typed on a command line (`--param name=value`) turned into the values buildRequest
 * takes, per each parameter's declared type: numbers, booleans, arrays, JSON bodies, bytes.
 */
import { joinPointer } from "../spec/pointer.ts";
import { GatewayError } from "./errors.ts";
import { findOperation, type Operation, type OperationParameter } from "./operation.ts";
import type { ConnectorPackage } from "./package.ts";
import type { ParameterValues } from "./parameters.ts";
import { deref } from "./refs.ts";
import { isBinarySchema } from "./schema.ts";

/** `name=value` into `[name, value]`; the value may contain `=`. */
export function splitAssignment(text: string, option: string): [string, string] {
  const at = text.indexOf("=");
  if (at <= 0) throw new GatewayError("input", `${option} ${text}: expected name=value`);
  return [text.slice(0, at), text.slice(at + 1)];
}

/**
 * Typed parameter values from text. `bodyFile` is the content of a file for the operation's body
 * parameter: bytes for a binary body, JSON (or text for a string schema) otherwise.
 */
export function parameterValuesFromText(
  pkg: ConnectorPackage,
  operationId: string,
  texts: Readonly<Record<string, string>>,
  bodyFile?: Uint8Array,
): ParameterValues {
  const operation = findOperation(pkg, operationId);
  const values: Record<string, unknown> = {};
  for (const [name, text] of Object.entries(texts)) {
    const parameter = operation.parameters.find((candidate) => candidate.name === name);
    // Unknown names pass through untyped; buildRequest rejects them with the list of known ones.
    values[name] = parameter ? typedValue(pkg, operation, parameter, text) : text;
  }
  if (bodyFile !== undefined) {
    const body = operation.parameters.find((parameter) => parameter.in === "body");
    if (!body) throw new GatewayError("input", `operation ${operation.id} takes no body, so --body-file has nowhere to go`, operation.id);
    values[body.name] = isBinaryBody(pkg, body) ? bodyFile : typedValue(pkg, operation, body, new TextDecoder().decode(bodyFile));
  }
  return values;
}

function typedValue(pkg: ConnectorPackage, operation: Operation, parameter: OperationParameter, text: string): unknown {
  const fail = (expected: string) =>
    new GatewayError("input", `operation ${operation.id}: parameter '${parameter.name}' expects ${expected}, got ${JSON.stringify(text)}`, operation.id);
  if (parameter.in === "body") {
    if (isBinaryBody(pkg, parameter)) return new TextEncoder().encode(text);
    if (bodySchemaType(pkg, parameter) === "string") return text;
    try {
      return JSON.parse(text);
    } catch {
      throw fail("JSON");
    }
  }
  switch (parameter.type) {
    case "integer":
    case "number": {
      const number = Number(text);
      if (text.trim() === "" || Number.isNaN(number)) throw fail("a number");
      return number;
    }
    case "boolean":
      if (text !== "true" && text !== "false") throw fail("true or false");
      return text === "true";
    case "array":
      // A JSON array, or the items as the collection format writes them (csv when unspecified).
      if (text.trim().startsWith("[")) {
        try {
          return JSON.parse(text);
        } catch {
          throw fail("a JSON array");
        }
      }
      return text.split(parameter.collectionFormat === "pipes" ? "|" : parameter.collectionFormat === "ssv" ? " " : ",");
    default:
      return text;
  }
}

function bodySchema(pkg: ConnectorPackage, parameter: OperationParameter): unknown {
  return deref(pkg.definition, parameter.schema ?? {}, joinPointer(parameter.pointer, "schema")).node;
}

function isBinaryBody(pkg: ConnectorPackage, parameter: OperationParameter): boolean {
  return isBinarySchema(bodySchema(pkg, parameter));
}

function bodySchemaType(pkg: ConnectorPackage, parameter: OperationParameter): unknown {
  return (bodySchema(pkg, parameter) as { type?: unknown } | null)?.type;
}
