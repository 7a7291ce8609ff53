import { sources } from "../evidence.ts";
import { joinPointer } from "../../spec/pointer.ts";
import { isObject, operationLabel, operationScopeKey, operationsOf, parametersOf, policyInstancesOf, templateParameterPrefix } from "../../connector/index.ts";
import type { Rule } from "../rule.ts";

/** The templates whose parameters build the request URL, and which of their parameters do it. */
const urlParameters: Record<string, string> = { dynamichosturl: "urlTemplate", routerequesttoendpoint: "newPath" };

/** `@headers('name')` (also `@header`) and `@queryParameters('name')`, with an optional default after the name. */
const reference = /@(headers?|queryParameters)\(\s*'([^']*)'/gi;

export const policyUrlParameter: Rule = {
  id: "policy-url-parameter",
  severity: "warning",
  doc: "A header or query parameter a host or route policy builds its URL from is a parameter of every operation the policy applies to.",
  why: "A host or route built from a header or query parameter the operation does not take has nothing to build from.",
  evidence: [{ says: "@headers('name') and @queryParameters('name') read the request's own parameters.", url: sources.policyTemplates }],
  example: { fail: "urlTemplate: \"@headers('downloadLocation')\"  # an operation in scope has no such header", pass: "urlTemplate: \"@headers('downloadLocation')\"\nx-ms-apimTemplate-operationName: [Download]  # which has the header" },
  *check({ definition, properties }) {
    const operations = operationsOf(definition);
    for (const { pointer, instance } of policyInstancesOf(properties)) {
      if (!isObject(instance) || typeof instance.templateId !== "string" || !isObject(instance.parameters)) continue;
      const urlParameter = urlParameters[instance.templateId.toLowerCase()];
      const template = urlParameter ? instance.parameters[templateParameterPrefix + urlParameter] : undefined;
      if (typeof template !== "string") continue;
      const scope = instance.parameters[operationScopeKey];
      const inScope = Array.isArray(scope) && scope.length > 0 ? operations.filter((e) => scope.includes(e.operation.operationId)) : operations;
      for (const [, fn, name] of template.matchAll(reference)) {
        const location = fn?.toLowerCase() === "queryparameters" ? "query" : "header";
        for (const entry of inScope) {
          const declared = parametersOf(definition, entry).some(
            ({ parameter }) => parameter.in === location && String(parameter.name).toLowerCase() === name?.toLowerCase(),
          );
          if (declared) continue;
          yield {
            message: `policy '${instance.templateId}' builds its URL from ${location} '${String(name)}', but ${operationLabel(entry)} has no such parameter`,
            pointer: joinPointer(pointer, "parameters", templateParameterPrefix + urlParameter),
            document: "apiProperties",
          };
        }
      }
    }
  },
};
