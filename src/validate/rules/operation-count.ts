import { sources } from "../evidence.ts";
import { operationsOf } from "../../connector/index.ts";
import type { Rule } from "../rule.ts";

/** The documented maximum (TotalOperationsCountExceedsMaxAllowed; docs/rules.md, "operation-count"). */
export const maxOperations = 256;

export const operationCount: Rule = {
  id: "operation-count",
  severity: "error",
  doc: `A connector has at most ${maxOperations} operations.`,
  why: "The platform refuses a definition with more operations than its limit.",
  evidence: [{ says: "Maximum number of operations per connector: 256.", url: sources.faq }, { says: "TotalOperationsCountExceedsMaxAllowed.", url: sources.validatorRules }],
  example: { fail: "# 257 operations under paths", pass: "# 256 operations or fewer" },
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
