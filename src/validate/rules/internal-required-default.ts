import { sources } from "../evidence.ts";
import { isInternal, nodesOfKind } from "../../connector/index.ts";
import type { Rule } from "../rule.ts";

export const internalRequiredDefault: Rule = {
  id: "internal-required-default",
  severity: "warning",
  doc: "An internal (hidden) required parameter has a default: nobody can type a value into it, so the platform sends the default.",
  why: "Nobody can type a value into a hidden required parameter, so without a default the request goes out without it. No gate message for this direction was found (the gate's rules are about internal parameters with a default that are optional).",
  evidence: [{ says: "InternalPropertyWithDefaultOptional / PropertyMustBeRequired: only required properties are guaranteed to be included in requests.", url: sources.validatorRules }],
  example: { fail: "- {name: api-version, in: query, type: string, required: true, x-ms-visibility: internal}", pass: "- {name: api-version, in: query, type: string, required: true, x-ms-visibility: internal, default: '2024-01-01'}" },
  *check({ definition }) {
    for (const { pointer, value } of nodesOfKind(definition, "parameter")) {
      // A body parameter's default lives in its schema; certified connectors leave those to the schema.
      if (value.in === "body" || !isInternal(value) || value.required !== true || "default" in value) continue;
      yield {
        message: `parameter '${String(value.name)}' is internal and required but has no default`,
        pointer,
        document: "apiDefinition",
      };
    }
  },
};
