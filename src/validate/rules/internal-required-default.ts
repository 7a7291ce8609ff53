import { nodesOfKind } from "../model.ts";
import type { Rule } from "../rule.ts";

export const internalRequiredDefault: Rule = {
  id: "internal-required-default",
  severity: "error",
  doc: "An internal (hidden) required parameter has a default: nobody can type a value into it, so the platform sends the default.",
  *check({ definition }) {
    for (const { pointer, value } of nodesOfKind(definition, "parameter")) {
      // A body parameter's default lives in its schema; certified connectors leave those to the schema.
      if (value.in === "body" || value["x-ms-visibility"] !== "internal" || value.required !== true || "default" in value) continue;
      yield {
        message: `parameter '${String(value.name)}' is internal and required but has no default`,
        pointer,
        document: "apiDefinition",
      };
    }
  },
};
