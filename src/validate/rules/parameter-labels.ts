import { joinPointer } from "../../spec/pointer.ts";
import { nodesOfKind } from "../model.ts";
import type { Rule } from "../rule.ts";

/** The two texts the designer shows for an input: its title (x-ms-summary) and its help (description). */
const labels = ["x-ms-summary", "description"] as const;

export const parameterLabels: Rule = {
  id: "parameter-labels",
  severity: "warning",
  doc: "Every visible parameter has an x-ms-summary (its title in the designer) and a description (certification requires both).",
  *check({ definition }) {
    for (const { pointer, value } of nodesOfKind(definition, "parameter")) {
      if (value["x-ms-visibility"] === "internal") continue;
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
