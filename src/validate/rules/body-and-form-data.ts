import { sources } from "../evidence.ts";
import { operationLabel, operationsOf, parametersOf } from "../../connector/index.ts";
import type { Rule } from "../rule.ts";

export const bodyAndFormData: Rule = {
  id: "body-and-form-data",
  severity: "error",
  doc: "An operation cannot have both a body parameter and formData parameters: both describe the one request body.",
  why: "A body parameter and formData parameters would both be the one request body.",
  evidence: [{ says: "ParameterListContainsFormDataAndBody: \"The 'parameters' list defines both a 'body' parameter, and a 'formData' parameter. Only one of these location types can be used in an operation.\"", url: sources.validatorRules }],
  example: { fail: "parameters:\n  - {name: order, in: body, schema: {type: object}}\n  - {name: note, in: formData, type: string}", pass: "parameters:\n  - {name: note, in: formData, type: string}" },
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
