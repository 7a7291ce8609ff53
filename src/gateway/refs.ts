import { getAt, localRefPointer } from "../spec/pointer.ts";
import { GatewayError } from "./errors.ts";
import { definitionFile } from "./package.ts";

/**
 * Follows local `$ref`s (`#/parameters/x`, `#/responses/x`, `#/definitions/x`) until a node without one.
 * A compiled package is self-contained, so any other `$ref` is a package error.
 */
export function deref(definition: Record<string, unknown>, node: unknown, pointer: string): { node: unknown; pointer: string } {
  const seen: string[] = [];
  let current = node;
  let at = pointer;
  while (current !== null && typeof current === "object" && typeof (current as { $ref?: unknown }).$ref === "string") {
    const ref = (current as { $ref: string }).$ref;
    const target = localRefPointer(ref);
    if (target === undefined) {
      throw new GatewayError("package", `${definitionFile}#${at}: $ref "${ref}" is not local to the document`);
    }
    if (seen.includes(target)) throw new GatewayError("package", `${definitionFile}#${pointer}: circular $ref ${[...seen, target].join(" -> ")}`);
    seen.push(target);
    current = getAt(definition, target);
    if (current === undefined) throw new GatewayError("package", `${definitionFile}#${at}: $ref "${ref}" points at nothing`);
    at = target;
  }
  return { node: current, pointer: at };
}
