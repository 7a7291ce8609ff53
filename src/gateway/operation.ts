import {
  definitionFile,
  extensionText,
  isInternal,
  isObject,
  operationIdOf,
  operationsOf,
  parameterListOf,
  stringsOf,
  type ConnectorPackage,
  type OperationEntry,
  type ParameterEntry,
} from "../connector/index.ts";
import { joinPointer } from "../spec/pointer.ts";
import { GatewayError } from "./errors.ts";
import type { UrlEncoding } from "../http/url.ts";

export type ParameterLocation = "path" | "query" | "header" | "body" | "formData";

/** A Swagger 2.0 parameter with its `$ref` followed and the fields the gateway uses picked out. */
export interface OperationParameter {
  readonly name: string;
  readonly in: ParameterLocation;
  readonly required: boolean;
  /** `x-ms-visibility: internal`: hidden from makers, so the platform sends its default. */
  readonly internal: boolean;
  readonly default: unknown;
  /** `type` of a non-body parameter (`string`, `integer`, `array`, `file`, …). */
  readonly type: string | undefined;
  readonly format: string | undefined;
  /** Item schema of an array parameter. */
  readonly items: Record<string, unknown> | undefined;
  readonly collectionFormat: string;
  readonly urlEncoding: UrlEncoding;
  /** The body parameter's schema, `$ref`s not yet followed. */
  readonly schema: unknown;
  /** JSON pointer of the parameter in apiDefinition.swagger.json, after `$ref`s. */
  readonly pointer: string;
}

export interface Operation {
  readonly id: string;
  /** Upper-case HTTP method. */
  readonly method: string;
  /** The path template as the definition writes it (`/api/connector/dequeue/{activityId}`). */
  readonly path: string;
  /** JSON pointer of the operation object in apiDefinition.swagger.json. */
  readonly pointer: string;
  readonly parameters: readonly OperationParameter[];
  readonly consumes: readonly string[];
  /** `responses` by status code (and `default`), `$ref`s not yet followed. */
  readonly responses: Readonly<Record<string, unknown>>;
  /** Security requirements in force (the operation's own, else the document's). */
  readonly security: readonly Record<string, unknown>[];
}

const locations: readonly string[] = ["path", "query", "header", "body", "formData"];

/** Every operation of the definition, in document order, as the gateway runs it. */
export function listOperations(pkg: ConnectorPackage): Operation[] {
  objectAt(pkg.definition["paths"], "/paths");
  return operationsOf(pkg.definition).map((entry) => readOperation(pkg, entry));
}

export function findOperation(pkg: ConnectorPackage, operationId: string): Operation {
  const operations = listOperations(pkg);
  const found = operations.find((operation) => operation.id === operationId);
  if (found) return found;
  const folded = operations.find((operation) => operation.id.toLowerCase() === operationId.toLowerCase());
  const hint = folded ? `did you mean ${folded.id}?` : `operations: ${operations.map((operation) => operation.id).join(", ")}`;
  throw new GatewayError("operation", `no operation '${operationId}' in ${definitionFile} (${hint})`, operationId);
}

function readOperation(pkg: ConnectorPackage, entry: OperationEntry): Operation {
  const { operation, pointer } = entry;
  const { parameters, refProblems } = parameterListOf(pkg.definition, entry);
  const [refProblem] = refProblems;
  if (refProblem) throw new GatewayError("package", `${definitionFile}#${refProblem.pointer}: ${refProblem.problem}`);
  for (const list of [entry.pathItem["parameters"], operation["parameters"]]) {
    if (list !== undefined && !Array.isArray(list)) throw new GatewayError("package", `${definitionFile}#${pointer}: parameters must be an array`);
  }
  return {
    id: operationIdOf(entry),
    method: entry.method.toUpperCase(),
    path: entry.path,
    pointer,
    parameters: parameters.map(readParameter),
    consumes: stringsOf(operation["consumes"] ?? pkg.definition["consumes"]),
    responses: objectAt(operation["responses"] ?? {}, joinPointer(pointer, "responses")),
    security: securityList(operation["security"] ?? pkg.definition["security"]),
  };
}

function readParameter({ parameter, pointer }: ParameterEntry): OperationParameter {
  const name = parameter["name"];
  const location = parameter["in"];
  if (typeof name !== "string" || typeof location !== "string" || !locations.includes(location)) {
    throw new GatewayError("package", `${definitionFile}#${pointer}: a parameter needs a name and "in" (${locations.join(", ")})`);
  }
  const items = parameter["items"];
  return {
    name,
    in: location as ParameterLocation,
    required: parameter["required"] === true,
    internal: isInternal(parameter),
    default: parameter["default"],
    type: typeof parameter["type"] === "string" ? parameter["type"] : undefined,
    format: typeof parameter["format"] === "string" ? parameter["format"] : undefined,
    items: isObject(items) ? items : undefined,
    collectionFormat: typeof parameter["collectionFormat"] === "string" ? parameter["collectionFormat"] : "csv",
    urlEncoding: extensionText(parameter, "x-ms-url-encoding") === "double" ? "double" : "single",
    schema: parameter["schema"],
    pointer,
  };
}

function objectAt(value: unknown, pointer: string): Record<string, unknown> {
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    throw new GatewayError("package", `${definitionFile}#${pointer}: expected an object`);
  }
  return value as Record<string, unknown>;
}

function securityList(value: unknown): Record<string, unknown>[] {
  return Array.isArray(value) ? value.filter((item): item is Record<string, unknown> => item !== null && typeof item === "object") : [];
}
