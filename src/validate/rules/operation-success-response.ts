import { sources } from "../evidence.ts";
import { joinPointer } from "../../spec/pointer.ts";
import { entriesOf, operationLabel, operationsOf } from "../../connector/index.ts";
import type { Rule } from "../rule.ts";

export const operationSuccessResponse: Rule = {
  id: "operation-success-response",
  severity: "warning",
  doc: "Every operation declares at least one 2xx response, which the designer uses for the action's outputs.",
  why: "The designer takes an action's outputs from its success response.",
  evidence: [{ says: "OperationShouldHaveSuccessfulResponse: \"The operation '{0}' should have at least one successful response definition.\" (worded as a recommendation)", url: sources.validatorRules }],
  example: { fail: "responses:\n  '404': {description: Not found}", pass: "responses:\n  '200': {description: The order}" },
  *check({ definition }) {
    for (const entry of operationsOf(definition)) {
      const statuses = entriesOf(entry.operation.responses).map(([status]) => status);
      // No responses at all is a schema error (swagger-schema); here only "some, but none succeeds".
      if (statuses.length === 0 || statuses.some((s) => /^2\d\d$/.test(s))) continue;
      yield {
        message: `${operationLabel(entry)} declares no 2xx response`,
        pointer: joinPointer(entry.pointer, "responses"),
        document: "apiDefinition",
      };
    }
  },
};
