import { sources } from "../evidence.ts";
import { joinPointer } from "../../spec/pointer.ts";
import { operationLabel, operationsOf } from "../../connector/index.ts";
import type { Rule } from "../rule.ts";

export const operationIdSanitized: Rule = {
  id: "operation-id-sanitized",
  severity: "warning",
  doc: "An operationId is letters and digits only, starting with a capital letter (OperationIdSanitized; PascalCase in the coding standards).",
  why: "Non-alphanumeric characters are dropped when the platform sanitizes the id, so the id flows see differs from the one written.",
  evidence: [{ says: "OperationIdSanitized: \"The 'operationId' property value is different from its sanitized value '{0}'.\"", url: sources.validatorRules }, { says: "PascalCase, no '-' or '_'.", url: sources.codingStandards }],
  example: { fail: "operationId: get_order", pass: "operationId: GetOrder" },
  *check({ definition }) {
    for (const entry of operationsOf(definition)) {
      const id = entry.operation.operationId;
      if (typeof id !== "string" || /^[A-Z][A-Za-z0-9]*$/.test(id)) continue;
      yield {
        message: `operationId '${id}' of ${operationLabel(entry)} must be PascalCase letters and digits`,
        pointer: joinPointer(entry.pointer, "operationId"),
        document: "apiDefinition",
      };
    }
  },
};
