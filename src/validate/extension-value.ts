import { joinPointer } from "../spec/pointer.ts";
import { nodesOf } from "./model.ts";
import type { Rule } from "./rule.ts";
import type { Severity } from "./finding.ts";

/**
 * A rule that an `x-ms-*` key, wherever it is written, holds one of a fixed set of strings. Compared without
 * regard to case: the platform reads them that way (Microsoft's own CognitiveServicesQuestionAnswering
 * connector writes x-ms-visibility "Advanced").
 */
export function extensionValueRule(spec: {
  id: string;
  severity: Severity;
  doc: string;
  key: string;
  values: readonly string[];
}): Rule {
  return {
    id: spec.id,
    severity: spec.severity,
    doc: spec.doc,
    *check({ definition }) {
      for (const node of nodesOf(definition)) {
        if (!(spec.key in node.value)) continue;
        const value = node.value[spec.key];
        if (typeof value === "string" && spec.values.includes(value.toLowerCase())) continue;
        yield {
          message: `${spec.key} is ${JSON.stringify(value)}; it must be one of ${spec.values.map((v) => `'${v}'`).join(", ")}`,
          pointer: joinPointer(node.pointer, spec.key),
          document: "apiDefinition",
        };
      }
    },
  };
}
