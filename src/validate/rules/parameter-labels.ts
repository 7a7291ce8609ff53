import { sources } from "../evidence.ts";
import { joinPointer } from "../../spec/pointer.ts";
import { isInternal, nodesOfKind } from "../../connector/index.ts";
import type { Rule } from "../rule.ts";

/** The two texts the designer shows for an input: its title (x-ms-summary) and its help (description). */
const labels = ["x-ms-summary", "description"] as const;

export const parameterLabels: Rule = {
  id: "parameter-labels",
  severity: "warning",
  doc: "Every visible parameter has an x-ms-summary (its title in the designer) and a description (certification requires both).",
  why: "The designer shows x-ms-summary as an input's title and description as its help. A warning: the gate asks for both (\"The 'x-ms-summary' property is required\"), but many certified connectors were merged without them.",
  evidence: [{ says: "Gate message: \"The 'x-ms-summary' property is required. ValuePath: /paths/\u2026/parameters/0\"", url: sources.pr(4041) }],
  example: { fail: "- {name: orderId, in: path, required: true, type: string}", pass: "- {name: orderId, in: path, required: true, type: string, x-ms-summary: Order ID, description: The ID of the order.}" },
  *check({ definition }) {
    for (const { pointer, value } of nodesOfKind(definition, "parameter")) {
      if (isInternal(value)) continue;
      for (const label of labels) {
        const text = value[label];
        if (typeof text === "string" && text.trim() !== "") continue;
        yield {
          message: `parameter '${String(value.name)}' has no ${label}`,
          pointer: label in value ? joinPointer(pointer, label) : pointer,
          document: "apiDefinition",
        };
      }
    }
  },
};
