import { joinPointer } from "../../spec/pointer.ts";
import { isObject, policyInstancesOf } from "../model.ts";
import { policyTemplates, templateParameterPrefix } from "../policy-templates.ts";
import type { Rule } from "../rule.ts";

export const policyTemplateParameters: Rule = {
  id: "policy-template-parameters",
  severity: "error",
  doc: "A policy template instance sets every parameter its template needs (e.g. dynamichosturl needs urlTemplate).",
  *check({ properties }) {
    for (const { pointer, instance } of policyInstancesOf(properties)) {
      if (!isObject(instance) || typeof instance.templateId !== "string") continue;
      const required = policyTemplates[instance.templateId.toLowerCase()];
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
