import { sources } from "../evidence.ts";
import { operationLabel, operationsOf, parametersOf } from "../../connector/index.ts";
import type { Rule } from "../rule.ts";

export const bodyParameterSingle: Rule = {
  id: "body-parameter-single",
  severity: "error",
  doc: "An operation has at most one body parameter: the body is one value (Swagger 2.0 §Parameter Object).",
  why: "A request has one body.",
  evidence: [{ says: "OperationParametersContainMultipleBodyParameters: \"The operation '{0}' contains multiple parameters in the location 'body', at most one is allowed.\"", url: sources.validatorRules }],
  example: { fail: "parameters:\n  - {name: order, in: body, schema: {type: object}}\n  - {name: note, in: body, schema: {type: string}}", pass: "parameters:\n  - {name: order, in: body, schema: {type: object}}" },
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
