import { joinPointer } from "../spec/pointer.ts";
import { entriesOf, isObject, itemsOf, type JsonObject } from "./json.ts";
import { dereference } from "./refs.ts";

/**
 * The operations of a Swagger 2.0 definition, their parameters and responses: the one enumeration the
 * validator, the gateway and the solution's sample flow share. Tolerant: a node of the wrong type is
 * skipped, and each caller decides what a missing node means.
 */

export const httpMethods = ["get", "put", "post", "delete", "options", "head", "patch"] as const;
export type HttpMethod = (typeof httpMethods)[number];

export function isHttpMethod(key: string): key is HttpMethod {
  return (httpMethods as readonly string[]).includes(key);
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

/** The operation's `operationId`, or `METHOD /path` when it has none (how the gateway and messages name it). */
export function operationIdOf(entry: OperationEntry): string {
  return typeof entry.operation.operationId === "string" ? entry.operation.operationId : `${entry.method.toUpperCase()} ${entry.path}`;
}

/** How messages name an operation: its operationId when it has one, and always its method and path. */
export function operationLabel(entry: OperationEntry): string {
  const route = `${entry.method.toUpperCase()} ${entry.path}`;
  return typeof entry.operation.operationId === "string" ? `'${entry.operation.operationId}' (${route})` : route;
}

/**
 * The parameters an operation takes: those of its path item, overridden by its own with the same
 * name and location (Swagger 2.0 §Operation Object "parameters"). A parameter whose `$ref` cannot be
 * followed is left out (`refProblems` lists why, for callers that must refuse it).
 */
export function parametersOf(definition: unknown, entry: OperationEntry): ParameterEntry[] {
  return parameterListOf(definition, entry).parameters;
}

export function parameterListOf(definition: unknown, entry: OperationEntry): { parameters: ParameterEntry[]; refProblems: { pointer: string; problem: string }[] } {
  const byKey = new Map<string, ParameterEntry>();
  const refProblems: { pointer: string; problem: string }[] = [];
  const collect = (list: unknown, listPointer: string) => {
    itemsOf(list).forEach((item, i) => {
      const resolved = dereference(definition, item, joinPointer(listPointer, i));
      if ("problem" in resolved) {
        refProblems.push(resolved);
        return;
      }
      if (!isObject(resolved.value)) return;
      const key = `${String(resolved.value.in)}\u0000${String(resolved.value.name)}`;
      // Re-inserting moves an overridden parameter to where the operation lists it.
      byKey.delete(key);
      byKey.set(key, { pointer: resolved.pointer, parameter: resolved.value });
    });
  };
  collect(entry.pathItem.parameters, joinPointer(entry.pathItemPointer, "parameters"));
  collect(entry.operation.parameters, joinPointer(entry.pointer, "parameters"));
  return { parameters: [...byKey.values()], refProblems };
}

/** The responses of an operation by status code, `$ref`s followed. */
export function responsesOf(definition: unknown, entry: OperationEntry): ResponseEntry[] {
  const listPointer = joinPointer(entry.pointer, "responses");
  return entriesOf(entry.operation.responses).flatMap(([status, item]) => {
    const resolved = dereference(definition, item, joinPointer(listPointer, status));
    return "value" in resolved && isObject(resolved.value) ? [{ status, pointer: resolved.pointer, response: resolved.value }] : [];
  });
}
