import { definitionFile, dereference } from "../connector/index.ts";
import { GatewayError } from "./errors.ts";

/**
 * Follows local `$ref`s with the model's one resolver; what it cannot follow (a ref to another file, to
 * nothing, or a cycle) is a package error here, where the validator reports the same as a finding.
 */
export function deref(definition: Record<string, unknown>, node: unknown, pointer: string): { node: unknown; pointer: string } {
  const resolved = dereference(definition, node, pointer);
  if ("problem" in resolved) throw new GatewayError("package", `${definitionFile}#${resolved.pointer}: ${resolved.problem}`);
  return { node: resolved.value, pointer: resolved.pointer };
}
