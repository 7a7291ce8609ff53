import { sources } from "../evidence.ts";
import { joinPointer } from "../../spec/pointer.ts";
import { isObject, policyInstancesOf, policyTemplateInfo, templateParameterPrefix } from "../../connector/index.ts";
import type { Rule } from "../rule.ts";

export const policyTemplateParameters: Rule = {
  id: "policy-template-parameters",
  severity: "warning",
  doc: "A policy template instance sets every parameter its template needs (e.g. dynamichosturl needs urlTemplate).",
  why: "A template without the parameter it works from cannot do its job. A warning: the parameter lists come from the template pages and certified connectors; no source shows the platform refusing an incomplete instance.",
  evidence: [{ says: "Each template page lists its parameters.", url: sources.policyTemplates }],
  example: { fail: "- templateId: dynamichosturl\n  parameters: {}", pass: "- templateId: dynamichosturl\n  parameters:\n    x-ms-apimTemplateParameter.urlTemplate: \"@connectionParameters('hostUrl')\"" },
  *check({ properties }) {
    for (const { pointer, instance } of policyInstancesOf(properties)) {
      if (!isObject(instance) || typeof instance.templateId !== "string") continue;
      const required = policyTemplateInfo(instance.templateId)?.requiredParameters;
      if (!required) continue;
      const parameters = isObject(instance.parameters) ? instance.parameters : {};
      for (const name of required) {
        const value = parameters[templateParameterPrefix + name];
        // An empty value is meaningful (setheader with "" clears a header; stringreplace with "" deletes).
        if (value !== undefined && value !== null) continue;
        yield {
          message: `policy '${instance.templateId}' needs '${templateParameterPrefix}${name}'`,
          pointer: "parameters" in instance ? joinPointer(pointer, "parameters") : pointer,
          document: "apiProperties",
        };
      }
    }
  },
};
