import { sources } from "../evidence.ts";
import { joinPointer } from "../../spec/pointer.ts";
import { connectionParametersOf, isObject, policyInstancesOf } from "../../connector/index.ts";
import type { Rule } from "../rule.ts";

/** `@connectionParameters('name')` or `@connectionParameters('name', 'default')`; the platform matches the function name in any case. */
const reference = /@connectionParameters\(\s*'([^']*)'/gi;

/** Every string inside a value, with its pointer. */
function* stringsIn(value: unknown, pointer: string): Generator<{ text: string; pointer: string }> {
  if (typeof value === "string") yield { text: value, pointer };
  else if (Array.isArray(value)) for (const [i, item] of value.entries()) yield* stringsIn(item, joinPointer(pointer, i));
  else if (isObject(value)) for (const [key, child] of Object.entries(value)) yield* stringsIn(child, joinPointer(pointer, key));
}

export const policyConnectionParameter: Rule = {
  id: "policy-connection-parameter",
  severity: "warning",
  doc: "Every @connectionParameters('name') in a policy names a connection parameter of apiProperties.",
  why: "A policy reading a connection parameter that does not exist gets nothing.",
  evidence: [{ says: "@connectionParameters('name') reads a connection parameter.", url: sources.policyTemplates }],
  example: { fail: "urlTemplate: \"@connectionParameters('hostUrl')\"  # no hostUrl declared", pass: "urlTemplate: \"@connectionParameters('token:resourceUri')\"" },
  *check({ properties }) {
    // Certified connectors write the name in another case than they declare it (TranslatorV3, Tulip), and it works.
    const declared = connectionParametersOf(properties).map((p) => p.name);
    const names = new Set(declared.map((n) => n.toLowerCase()));
    for (const { pointer, instance } of policyInstancesOf(properties)) {
      const parameters = isObject(instance) ? instance.parameters : undefined;
      for (const { text, pointer: at } of stringsIn(parameters, joinPointer(pointer, "parameters"))) {
        for (const [, name] of text.matchAll(reference)) {
          if (name !== undefined && names.has(name.toLowerCase())) continue;
          yield {
            message: `@connectionParameters('${String(name)}') names no connection parameter; declared: ${declared.join(", ") || "none"}`,
            pointer: at,
            document: "apiProperties",
          };
        }
      }
    }
  },
};
