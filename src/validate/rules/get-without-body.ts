import { sources } from "../evidence.ts";
import { operationLabel, operationsOf, parametersOf } from "../../connector/index.ts";
import type { Rule } from "../rule.ts";

export const getWithoutBody: Rule = {
  id: "get-without-body",
  severity: "warning",
  doc: "A GET operation takes no body or formData parameter: Power Platform sends GET requests without a body.",
  why: "Power Platform sends GET requests without a body, so the input would be lost. A warning: the gate lists it, but certified connectors (Assently-E-Sign's findCases) were merged with one.",
  evidence: [{ says: "BodyOrFormDataParameterInFetchOperationNotAllowed: \"Body or form data parameters are not supported in a fetch operation.\"", url: sources.validatorRules }],
  example: { fail: "get:\n  parameters:\n    - {name: filter, in: body, schema: {type: string}}", pass: "get:\n  parameters:\n    - {name: filter, in: query, type: string}" },
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
