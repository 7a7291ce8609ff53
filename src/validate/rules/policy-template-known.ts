import { sources } from "../evidence.ts";
import { joinPointer } from "../../spec/pointer.ts";
import { isObject, knownPolicyTemplateIds, policyInstancesOf, policyTemplateInfo } from "../../connector/index.ts";
import type { Rule } from "../rule.ts";

export const policyTemplateKnown: Rule = {
  id: "policy-template-known",
  severity: "warning",
  doc: "Every policyTemplateInstances entry names a policy template Power Platform has (templateId, any case).",
  why: "An unknown template does nothing. A warning: Microsoft's schema takes any templateId, the template catalogue is not published in full, and certified connectors use undocumented ones (moveproperties, dynamicsubdomain).",
  evidence: [{ says: "Policy templates and their ids.", url: sources.policyTemplates }, { says: "paconn-apiProperties.schema.json: templateId is any non-empty string.", url: sources.paconnSchema }],
  example: { fail: "- templateId: sethosturl", pass: "- templateId: dynamichosturl" },
  *check({ properties }) {
    for (const { pointer, instance } of policyInstancesOf(properties)) {
      const id = isObject(instance) ? instance.templateId : undefined;
      if (typeof id === "string" && policyTemplateInfo(id) !== undefined) continue;
      yield {
        message: `policy template ${JSON.stringify(id)} is not one Power Platform knows; use one of ${knownPolicyTemplateIds.join(", ")}`,
        pointer: isObject(instance) && "templateId" in instance ? joinPointer(pointer, "templateId") : pointer,
        document: "apiProperties",
      };
    }
  },
};
