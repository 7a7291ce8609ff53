import { sources } from "../evidence.ts";
import { joinPointer } from "../../spec/pointer.ts";
import { operationLabel, operationsOf } from "../../connector/index.ts";
import type { Rule } from "../rule.ts";

export const operationIdUnique: Rule = {
  id: "operation-id-unique",
  severity: "error",
  doc: "Each operationId names one operation (OperationIdNotUnique).",
  why: "Two operations with one operationId cannot both be called from a flow.",
  evidence: [{ says: "OperationIdNotUnique: \"The operationId '{0}' is used multiple times. Operation identifiers must be unique.\"", url: sources.validatorRules }],
  example: { fail: "/orders: {get: {operationId: GetOrder}}\n/order: {get: {operationId: GetOrder}}", pass: "/orders: {get: {operationId: ListOrders}}\n/order: {get: {operationId: GetOrder}}" },
  *check({ definition }) {
    const first = new Map<string, string>();
    for (const entry of operationsOf(definition)) {
      const id = entry.operation.operationId;
      if (typeof id !== "string") continue;
      const owner = first.get(id);
      if (owner === undefined) {
        first.set(id, operationLabel(entry));
        continue;
      }
      yield {
        message: `operationId '${id}' is already used by ${owner}`,
        pointer: joinPointer(entry.pointer, "operationId"),
        document: "apiDefinition",
      };
    }
  },
};
