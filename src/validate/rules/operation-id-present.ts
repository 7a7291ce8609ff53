import { sources } from "../evidence.ts";
import { operationLabel, operationsOf } from "../../connector/index.ts";
import type { Rule } from "../rule.ts";

export const operationIdPresent: Rule = {
  id: "operation-id-present",
  severity: "error",
  doc: "Every operation has an operationId: flows and policies refer to operations by it.",
  why: "Flows, policies and dynamic values refer to an operation by its operationId.",
  evidence: [{ says: "OperationIdRequired: \"The operation 'operationId' property is required.\"", url: sources.validatorRules }],
  example: { fail: "get:\n  summary: Get an order\n  responses: {'200': {description: OK}}", pass: "get:\n  operationId: GetOrder\n  summary: Get an order\n  responses: {'200': {description: OK}}" },
  *check({ definition }) {
    for (const entry of operationsOf(definition)) {
      if (typeof entry.operation.operationId === "string" && entry.operation.operationId !== "") continue;
      yield { message: `${operationLabel(entry)} has no operationId`, pointer: entry.pointer, document: "apiDefinition" };
    }
  },
};
