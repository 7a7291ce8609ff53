import { joinPointer } from "../spec/pointer.ts";
import { entriesOf, isObject, itemsOf, type JsonObject } from "./json.ts";
import { isHttpMethod } from "./operations.ts";

/**
 * Every node of a Swagger 2.0 definition classified by what it is, with its JSON pointer: the typed walk
 * the validator's rules share (what `x-ms-*` keys a node may carry depends on its kind).
 */

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

/** The nodes of one kind; parameters can be narrowed further by their `in`. */
export function nodesOfKind(definition: unknown, kind: NodeKind): DefinitionNode[] {
  return nodesOf(definition).filter((node) => node.kind === kind);
}
