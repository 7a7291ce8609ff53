import { operationsOf } from "../model.ts";
import type { Rule } from "../rule.ts";

/** The documented maximum (connector-format.md §1, TotalOperationsCountExceedsMaxAllowed). */
export const maxOperations = 256;

export const operationCount: Rule = {
  id: "operation-count",
  severity: "error",
  doc: `A connector has at most ${maxOperations} operations.`,
  *check({ definition }) {
    const count = operationsOf(definition).length;
    if (count <= maxOperations) return;
    yield {
      message: `the definition has ${count} operations; at most ${maxOperations} are allowed. Split the connector`,
      pointer: "/paths",
      document: "apiDefinition",
    };
  },
};
