import { getAt, joinPointer, localRefPointer } from "../spec/pointer.ts";
import { isObject } from "./json.ts";

/**
 * Local `$ref`s (`#/definitions/X`, `#/parameters/X`): the one resolver the validator, the gateway and the
 * solution share. Fragments are URI-decoded (RFC 6901 §6) by `localRefPointer`, so what one accepts the
 * others follow. A compiled package is self-contained: a ref to another file is never followed.
 */

/** The target of a local `$ref`; undefined for a ref to another file, a malformed fragment, or nothing there. */
export function resolveLocal(definition: unknown, ref: string): { pointer: string; value: unknown } | undefined {
  const pointer = localRefPointer(ref);
  if (pointer === undefined) return undefined;
  const value = getAt(definition, pointer);
  return value === undefined ? undefined : { pointer, value };
}

/** Every `$ref` string in a document, with the pointer of the `$ref` key itself. */
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

export type Dereferenced = { value: unknown; pointer: string } | { problem: string; pointer: string };

/**
 * Follows `$ref`s from `node` (written at `pointer`) until a node without one. Reports, instead of
 * following, a ref that is not local, one that points at nothing, and a cycle; `pointer` is then where
 * the offending `$ref` is written.
 */
export function dereference(definition: unknown, node: unknown, pointer: string): Dereferenced {
  const seen: string[] = [];
  let current = node;
  let at = pointer;
  while (isObject(current) && typeof current.$ref === "string") {
    const ref = current.$ref;
    const target = localRefPointer(ref);
    if (target === undefined) return { problem: `$ref "${ref}" is not local to the document`, pointer: at };
    if (seen.includes(target)) return { problem: `circular $ref ${[...seen, target].join(" -> ")}`, pointer };
    seen.push(target);
    current = getAt(definition, target);
    if (current === undefined) return { problem: `$ref "${ref}" points at nothing`, pointer: at };
    at = target;
  }
  return { value: current, pointer: at };
}
