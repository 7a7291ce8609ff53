/**
 * RFC 6902 JSON Patch, the operations the history fixtures use (add, remove, replace, move, test), applied to a
 * copy. Kept in test code: no library in package.json does it, and the fixtures need nothing more.
 */
import { isDeepStrictEqual } from "node:util";
import { splitPointer } from "../../src/spec/pointer.ts";

export type PatchOperation =
  | { op: "add" | "replace" | "test"; path: string; value: unknown }
  | { op: "remove"; path: string }
  | { op: "move"; from: string; path: string };

type Container = Record<string, unknown> | unknown[];

/** The container holding the last token of `pointer`, and that token; throws when a step is missing. */
function locate(root: unknown, pointer: string): [Container, string] {
  const tokens = splitPointer(pointer);
  const last = tokens.pop();
  if (last === undefined) throw new Error("the patch fixtures never replace the whole document");
  let node = root;
  for (const token of tokens) {
    if (node === null || typeof node !== "object" || !Object.prototype.hasOwnProperty.call(node, token)) throw new Error(`${pointer}: '${token}' is missing`);
    node = (node as Record<string, unknown>)[token];
  }
  if (node === null || typeof node !== "object") throw new Error(`${pointer}: the parent is not an object or array`);
  return [node as Container, last];
}

function existing(container: Container, token: string, pointer: string): void {
  if (!Object.prototype.hasOwnProperty.call(container, Array.isArray(container) ? Number(token) : token)) throw new Error(`${pointer}: nothing there`);
}

function add(root: unknown, pointer: string, value: unknown): void {
  const [container, token] = locate(root, pointer);
  if (Array.isArray(container)) container.splice(token === "-" ? container.length : Number(token), 0, value);
  else container[token] = value;
}

function remove(root: unknown, pointer: string): unknown {
  const [container, token] = locate(root, pointer);
  existing(container, token, pointer);
  if (Array.isArray(container)) return container.splice(Number(token), 1)[0];
  const value = container[token];
  delete container[token];
  return value;
}

export function applyPatch<T>(document: T, patch: readonly PatchOperation[]): T {
  const result = structuredClone(document);
  for (const operation of patch) {
    switch (operation.op) {
      case "add":
        add(result, operation.path, operation.value);
        break;
      case "remove":
        remove(result, operation.path);
        break;
      case "replace":
        remove(result, operation.path);
        add(result, operation.path, operation.value);
        break;
      case "move":
        add(result, operation.path, remove(result, operation.from));
        break;
      case "test": {
        const [container, token] = locate(result, operation.path);
        existing(container, token, operation.path);
        const actual = (container as Record<string, unknown>)[token];
        if (!isDeepStrictEqual(actual, operation.value)) throw new Error(`test ${operation.path}: expected ${JSON.stringify(operation.value)}, found ${JSON.stringify(actual)}`);
        break;
      }
    }
  }
  return result;
}
