import { operationLabel, operationsOf, parametersOf } from "../model.ts";
import type { Rule } from "../rule.ts";

export const bodyAndFormData: Rule = {
  id: "body-and-form-data",
  severity: "error",
  doc: "An operation cannot have both a body parameter and formData parameters: both describe the one request body.",
  *check({ definition }) {
    for (const entry of operationsOf(definition)) {
      const locations = new Set(parametersOf(definition, entry).map((p) => p.parameter.in));
      if (locations.has("body") && locations.has("formData")) {
        yield {
          message: `${operationLabel(entry)} has both a body parameter and formData parameters`,
          pointer: entry.pointer,
          document: "apiDefinition",
        };
      }
    }
  },
};
