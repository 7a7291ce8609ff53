/**
 * A read-only view of a Swagger 2.0 document for rules: every node classified by what it is (operation,
 * parameter, schema, ...) with its JSON pointer. Rules see raw, possibly malformed input (the schema rule
 * runs beside them, not before them), so every accessor tolerates wrong types and returns nothing for them.
 */
import { getAt, joinPointer, localRefPointer } from "../spec/pointer.ts";

export type JsonObject = Record<string, unknown>;

export function isObject(value: unknown): value is JsonObject {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}

/** The entries of an object, or none when the value is not one. */
export function entriesOf(value: unknown): [string, unknown][] {
  return isObject(value) ? Object.entries(value) : [];
}

/** The items of an array, or none when the value is not one. */
export function itemsOf(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}

export const httpMethods = ["get", "put", "post", "delete", "options", "head", "patch"] as const;
export type HttpMethod = (typeof httpMethods)[number];

export function isHttpMethod(key: string): key is HttpMethod {
  return (httpMethods as readonly string[]).includes(key);
}

/** What a node of a Swagger 2.0 document is; decides which `x-ms-*` keys it may carry. */
export type NodeKind =
  | "root"
  | "info"
  | "pathItem"
  | "operation"
  | "parameter"
  | "parameterItems"
  | "schema"
  | "response"
  | "header"
  | "securityScheme";

export interface DefinitionNode {
  kind: NodeKind;
  pointer: string;
  value: JsonObject;
}

export interface OperationEntry {
  path: string;
  method: HttpMethod;
  pointer: string;
  operation: JsonObject;
  pathItem: JsonObject;
  pathItemPointer: string;
}

/** A parameter as an operation sees it: `$ref`s followed, `pointer` is where the parameter object is written. */
export interface ParameterEntry {
  pointer: string;
  parameter: JsonObject;
}

export interface ResponseEntry {
  status: string;
  pointer: string;
  response: JsonObject;
}

/** Follows a local `$ref` (`#/definitions/X`) to its target; undefined for external or dangling refs. */
export function resolveLocal(definition: unknown, ref: string): { pointer: string; value: unknown } | undefined {
  const pointer = localRefPointer(ref);
  if (pointer === undefined) return undefined;
  const value = getAt(definition, pointer);
  return value === undefined ? undefined : { pointer, value };
}

/** Every `$ref` string in the document, with the pointer of the `$ref` key itself. */
export function* refsIn(value: unknown, pointer: string): Generator<{ ref: string; pointer: string }> {
  if (Array.isArray(value)) {
    for (const [i, item] of value.entries()) yield* refsIn(item, joinPointer(pointer, i));
  } else if (isObject(value)) {
    for (const [key, child] of Object.entries(value)) {
      if (key === "$ref" && typeof child === "string") yield { ref: child, pointer: joinPointer(pointer, key) };
      else yield* refsIn(child, joinPointer(pointer, key));
    }
  }
}

/** An object that is a `{ $ref }` is replaced by its local target, once (Swagger 2.0 parameters and responses). */
function followRef(definition: unknown, value: unknown, pointer: string): { pointer: string; value: unknown } {
  if (isObject(value) && typeof value.$ref === "string") {
    return resolveLocal(definition, value.$ref) ?? { pointer, value: undefined };
  }
  return { pointer, value };
}

const operationCache = new WeakMap<object, OperationEntry[]>();

/** Every operation under `paths`, in document order. */
export function operationsOf(definition: unknown): OperationEntry[] {
  if (!isObject(definition)) return [];
  const cached = operationCache.get(definition);
  if (cached) return cached;
  const found: OperationEntry[] = [];
  for (const [path, pathItem] of entriesOf(definition.paths)) {
    if (!isObject(pathItem)) continue;
    const pathItemPointer = joinPointer("/paths", path);
    for (const [method, operation] of Object.entries(pathItem)) {
      if (!isHttpMethod(method) || !isObject(operation)) continue;
      found.push({ path, method, pointer: joinPointer(pathItemPointer, method), operation, pathItem, pathItemPointer });
    }
  }
  operationCache.set(definition, found);
  return found;
}

/**
 * The parameters an operation takes: those of its path item, overridden by its own with the same
 * name and location (Swagger 2.0 §Operation Object "parameters").
 */
export function parametersOf(definition: unknown, entry: OperationEntry): ParameterEntry[] {
  const byKey = new Map<string, ParameterEntry>();
  const collect = (list: unknown, listPointer: string) => {
    itemsOf(list).forEach((item, i) => {
      const { pointer, value } = followRef(definition, item, joinPointer(listPointer, i));
      if (!isObject(value)) return;
      byKey.set(`${String(value.in)}\u0000${String(value.name)}`, { pointer, parameter: value });
    });
  };
  collect(entry.pathItem.parameters, joinPointer(entry.pathItemPointer, "parameters"));
  collect(entry.operation.parameters, joinPointer(entry.pointer, "parameters"));
  return [...byKey.values()];
}

/** The responses of an operation by status code, `$ref`s followed. */
export function responsesOf(definition: unknown, entry: OperationEntry): ResponseEntry[] {
  const listPointer = joinPointer(entry.pointer, "responses");
  return entriesOf(entry.operation.responses).flatMap(([status, item]) => {
    const { pointer, value } = followRef(definition, item, joinPointer(listPointer, status));
    return isObject(value) ? [{ status, pointer, response: value }] : [];
  });
}

const nodeCache = new WeakMap<object, DefinitionNode[]>();

/**
 * Every node of the document that a rule may care about, each once, where it is written: a parameter
 * or schema reached through `$ref` is listed at its definition, not at each use.
 */
export function nodesOf(definition: unknown): DefinitionNode[] {
  if (!isObject(definition)) return [];
  const cached = nodeCache.get(definition);
  if (cached) return cached;
  const nodes: DefinitionNode[] = [];
  const add = (kind: NodeKind, pointer: string, value: unknown): value is JsonObject => {
    if (!isObject(value) || typeof value.$ref === "string") return false;
    nodes.push({ kind, pointer, value });
    return true;
  };

  const schema = (pointer: string, value: unknown): void => {
    if (!add("schema", pointer, value)) return;
    for (const key of ["properties", "definitions", "patternProperties"] as const) {
      for (const [name, child] of entriesOf(value[key])) schema(joinPointer(pointer, key, name), child);
    }
    for (const key of ["items", "additionalProperties", "not"] as const) {
      if (Array.isArray(value[key])) itemsOf(value[key]).forEach((child, i) => schema(joinPointer(pointer, key, i), child));
      else schema(joinPointer(pointer, key), value[key]);
    }
    for (const key of ["allOf", "anyOf", "oneOf"] as const) {
      itemsOf(value[key]).forEach((child, i) => schema(joinPointer(pointer, key, i), child));
    }
  };
  const parameter = (pointer: string, value: unknown): void => {
    if (!add("parameter", pointer, value)) return;
    if (value.in === "body") schema(joinPointer(pointer, "schema"), value.schema);
    else parameterItems(joinPointer(pointer, "items"), value.items);
  };
  const parameterItems = (pointer: string, value: unknown): void => {
    if (add("parameterItems", pointer, value)) parameterItems(joinPointer(pointer, "items"), value.items);
  };
  const response = (pointer: string, value: unknown): void => {
    if (!add("response", pointer, value)) return;
    schema(joinPointer(pointer, "schema"), value.schema);
    for (const [name, header] of entriesOf(value.headers)) add("header", joinPointer(pointer, "headers", name), header);
  };

  add("root", "", definition);
  add("info", "/info", definition.info);
  for (const [name, value] of entriesOf(definition.definitions)) schema(joinPointer("/definitions", name), value);
  for (const [name, value] of entriesOf(definition.parameters)) parameter(joinPointer("/parameters", name), value);
  for (const [name, value] of entriesOf(definition.responses)) response(joinPointer("/responses", name), value);
  for (const [name, value] of entriesOf(definition.securityDefinitions)) {
    add("securityScheme", joinPointer("/securityDefinitions", name), value);
  }
  for (const [path, pathItem] of entriesOf(definition.paths)) {
    const pathPointer = joinPointer("/paths", path);
    if (!add("pathItem", pathPointer, pathItem)) continue;
    itemsOf(pathItem.parameters).forEach((p, i) => parameter(joinPointer(pathPointer, "parameters", i), p));
    const notification = pathItem["x-ms-notification-content"];
    if (isObject(notification)) schema(joinPointer(pathPointer, "x-ms-notification-content", "schema"), notification.schema);
    for (const [method, operation] of Object.entries(pathItem)) {
      const opPointer = joinPointer(pathPointer, method);
      if (!isHttpMethod(method) || !add("operation", opPointer, operation)) continue;
      itemsOf(operation.parameters).forEach((p, i) => parameter(joinPointer(opPointer, "parameters", i), p));
      for (const [status, r] of entriesOf(operation.responses)) response(joinPointer(opPointer, "responses", status), r);
    }
  }
  nodeCache.set(definition, nodes);
  return nodes;
}

/** The `connectionParameters` of apiProperties and those of every `connectionParameterSets` value, with pointers. */
export function connectionParametersOf(properties: unknown): { name: string; pointer: string; parameter: unknown }[] {
  const props = isObject(properties) ? properties.properties : undefined;
  if (!isObject(props)) return [];
  const found = entriesOf(props.connectionParameters).map(([name, parameter]) => ({
    name,
    pointer: joinPointer("/properties/connectionParameters", name),
    parameter,
  }));
  const sets = isObject(props.connectionParameterSets) ? props.connectionParameterSets.values : undefined;
  itemsOf(sets).forEach((set, i) => {
    const setParameters = isObject(set) ? set.parameters : undefined;
    for (const [name, parameter] of entriesOf(setParameters)) {
      found.push({ name, pointer: joinPointer("/properties/connectionParameterSets/values", i, "parameters", name), parameter });
    }
  });
  return found;
}

/** The `policyTemplateInstances` of apiProperties, with pointers. */
export function policyInstancesOf(properties: unknown): { pointer: string; instance: unknown }[] {
  const props = isObject(properties) ? properties.properties : undefined;
  const list = isObject(props) ? props.policyTemplateInstances : undefined;
  return itemsOf(list).map((instance, i) => ({ pointer: joinPointer("/properties/policyTemplateInstances", i), instance }));
}

/** How messages name an operation: its operationId when it has one, and always its method and path. */
export function operationLabel(entry: OperationEntry): string {
  const route = `${entry.method.toUpperCase()} ${entry.path}`;
  return typeof entry.operation.operationId === "string" ? `'${entry.operation.operationId}' (${route})` : route;
}

/** The nodes of one kind; parameters can be narrowed further by their `in`. */
export function nodesOfKind(definition: unknown, kind: NodeKind): DefinitionNode[] {
  return nodesOf(definition).filter((node) => node.kind === kind);
}
