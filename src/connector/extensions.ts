import type { JsonObject } from "./json.ts";

/**
 * `x-ms-*` values the platform reads without regard to case (Microsoft's own CognitiveServicesQuestionAnswering
 * connector writes x-ms-visibility "Advanced"): one case-folded read for every reader of the model.
 */
export function extensionText(node: JsonObject, key: string): string | undefined {
  const value = node[key];
  return typeof value === "string" ? value.toLowerCase() : undefined;
}

/** `x-ms-visibility: internal`: hidden from makers, so the platform sends the default. */
export function isInternal(node: JsonObject): boolean {
  return extensionText(node, "x-ms-visibility") === "internal";
}
