import { joinPointer } from "../spec/pointer.ts";
import { nodesOf } from "../connector/index.ts";
import type { Rule } from "./rule.ts";

/**
 * A rule that an `x-ms-*` key, wherever it is written, holds one of a fixed set of strings. Compared without
 * regard to case: the platform reads them that way (Microsoft's own CognitiveServicesQuestionAnswering
 * connector writes x-ms-visibility "Advanced").
 */
export function extensionValueRule(spec: Omit<Rule, "check"> & { key: string; values: readonly string[] }): Rule {
  const { key, values, ...metadata } = spec;
  return {
    ...metadata,
    *check({ definition }) {
      for (const node of nodesOf(definition)) {
        if (!(key in node.value)) continue;
        const value = node.value[key];
        if (typeof value === "string" && values.includes(value.toLowerCase())) continue;
        yield {
          message: `${key} is ${JSON.stringify(value)}; it must be one of ${values.map((v) => `'${v}'`).join(", ")}`,
          pointer: joinPointer(node.pointer, key),
          document: "apiDefinition",
        };
      }
    },
  };
}
