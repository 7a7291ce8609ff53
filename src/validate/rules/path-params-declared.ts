import { sources } from "../evidence.ts";
import { operationLabel, operationsOf, parametersOf } from "../../connector/index.ts";
import type { Rule } from "../rule.ts";

/** The `{name}` segments of a path template. */
function templateNames(path: string): string[] {
  return [...path.matchAll(/\{([^{}]+)\}/g)].map((m) => m[1] as string);
}

export const pathParamsDeclared: Rule = {
  id: "path-params-declared",
  severity: "error",
  doc: "Every {name} in a path template has an `in: path` parameter, and every path parameter appears in the template.",
  why: "A path variable without a parameter cannot be filled in, and a path parameter outside the template is never sent.",
  evidence: [{ says: "OperationMissingPathParameter: \"The operation '{0}' does not define the '{1}' parameter which is required by the path.\"", url: sources.validatorRules }, { says: "PathParameterNotDefinedInTemplate: \"The 'path' parameter '{0}' is not defined in the URI path template.\"", url: sources.validatorRules }],
  example: { fail: "/orders/{orderId}:\n  get:\n    parameters: []", pass: "/orders/{orderId}:\n  get:\n    parameters:\n      - {name: orderId, in: path, required: true, type: string}" },
  *check({ definition }) {
    for (const entry of operationsOf(definition)) {
      const names = templateNames(entry.path);
      const pathParameters = parametersOf(definition, entry).filter((p) => p.parameter.in === "path");
      const declared = new Set(pathParameters.map((p) => p.parameter.name));
      for (const name of names) {
        if (declared.has(name)) continue;
        yield {
          message: `${operationLabel(entry)} has no path parameter named '${name}' for its path template`,
          pointer: entry.pointer,
          document: "apiDefinition",
        };
      }
      for (const { pointer, parameter } of pathParameters) {
        if (typeof parameter.name !== "string" || names.includes(parameter.name)) continue;
        yield {
          message: `path parameter '${parameter.name}' of ${operationLabel(entry)} does not appear in the path template`,
          pointer,
          document: "apiDefinition",
        };
      }
    }
  },
};
