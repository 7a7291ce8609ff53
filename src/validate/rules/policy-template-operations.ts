import { sources } from "../evidence.ts";
import { joinPointer } from "../../spec/pointer.ts";
import { isObject, operationScopeKey, operationsOf, policyInstancesOf } from "../../connector/index.ts";
import type { Rule } from "../rule.ts";

export const policyTemplateOperations: Rule = {
  id: "policy-template-operations",
  severity: "warning",
  doc: `Every operation named in a policy's ${operationScopeKey} is an operationId of the definition.`,
  why: "A policy scoped to an operation the definition does not have applies to nothing.",
  evidence: [{ says: "x-ms-apimTemplate-operationName names the operations a policy applies to.", url: sources.policyTemplates }],
  example: { fail: "x-ms-apimTemplate-operationName: [ListOrders]", pass: "x-ms-apimTemplate-operationName: [GetOrder]" },
  *check({ definition, properties }) {
    const operationIds = new Set(operationsOf(definition).map((e) => e.operation.operationId));
    for (const { pointer, instance } of policyInstancesOf(properties)) {
      const scope = isObject(instance) && isObject(instance.parameters) ? instance.parameters[operationScopeKey] : undefined;
      if (scope === undefined) continue;
      const scopePointer = joinPointer(pointer, "parameters", operationScopeKey);
      const names = Array.isArray(scope) ? scope : [scope];
      for (const [i, name] of names.entries()) {
        if (typeof name === "string" && operationIds.has(name)) continue;
        yield {
          message: `policy '${String(isObject(instance) ? instance.templateId : "")}' applies to operation ${JSON.stringify(name)}, which the definition does not have`,
          pointer: Array.isArray(scope) ? joinPointer(scopePointer, i) : scopePointer,
          document: "apiProperties",
        };
      }
    }
  },
};
