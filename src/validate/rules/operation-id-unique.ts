import { joinPointer } from "../../spec/pointer.ts";
import { operationLabel, operationsOf } from "../model.ts";
import type { Rule } from "../rule.ts";

export const operationIdUnique: Rule = {
  id: "operation-id-unique",
  severity: "error",
  doc: "Each operationId names one operation; Power Platform compares them without regard to case (OperationIdNotUnique).",
  *check({ definition }) {
    const first = new Map<string, string>();
    for (const entry of operationsOf(definition)) {
      const id = entry.operation.operationId;
      if (typeof id !== "string") continue;
      const key = id.toLowerCase();
      const owner = first.get(key);
      if (owner === undefined) {
        first.set(key, operationLabel(entry));
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
