import { operationLabel, operationsOf } from "../model.ts";
import type { Rule } from "../rule.ts";

export const operationIdPresent: Rule = {
  id: "operation-id-present",
  severity: "error",
  doc: "Every operation has an operationId: flows and policies refer to operations by it.",
  *check({ definition }) {
    for (const entry of operationsOf(definition)) {
      if (typeof entry.operation.operationId === "string" && entry.operation.operationId !== "") continue;
      yield { message: `${operationLabel(entry)} has no operationId`, pointer: entry.pointer, document: "apiDefinition" };
    }
  },
};
