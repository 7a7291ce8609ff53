import { operationLabel, operationsOf, parametersOf } from "../model.ts";
import type { Rule } from "../rule.ts";

export const getWithoutBody: Rule = {
  id: "get-without-body",
  severity: "warning",
  doc: "A GET operation takes no body or formData parameter: Power Platform sends GET requests without a body.",
  *check({ definition }) {
    for (const entry of operationsOf(definition)) {
      if (entry.method !== "get") continue;
      for (const { pointer, parameter } of parametersOf(definition, entry)) {
        if (parameter.in !== "body" && parameter.in !== "formData") continue;
        yield {
          message: `${operationLabel(entry)} is a GET but parameter '${String(parameter.name)}' is in ${String(parameter.in)}`,
          pointer,
          document: "apiDefinition",
        };
      }
    }
  },
};
