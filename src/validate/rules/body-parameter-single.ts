import { operationLabel, operationsOf, parametersOf } from "../model.ts";
import type { Rule } from "../rule.ts";

export const bodyParameterSingle: Rule = {
  id: "body-parameter-single",
  severity: "error",
  doc: "An operation has at most one body parameter: the body is one value (Swagger 2.0 §Parameter Object).",
  *check({ definition }) {
    for (const entry of operationsOf(definition)) {
      const bodies = parametersOf(definition, entry).filter((p) => p.parameter.in === "body");
      for (const extra of bodies.slice(1)) {
        yield {
          message: `${operationLabel(entry)} has more than one body parameter; put the fields in one body schema`,
          pointer: extra.pointer,
          document: "apiDefinition",
        };
      }
    }
  },
};
