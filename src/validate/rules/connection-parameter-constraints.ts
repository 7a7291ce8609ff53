import { sources } from "../evidence.ts";
import { joinPointer } from "../../spec/pointer.ts";
import { connectionParametersOf, isObject } from "../../connector/index.ts";
import type { Rule } from "../rule.ts";

/** Constraints the schema types as the strings "true"/"false", not JSON booleans. */
const stringFlags = ["required", "hidden"] as const;

export const connectionParameterConstraints: Rule = {
  id: "connection-parameter-constraints",
  severity: "warning",
  doc: 'uiDefinition.constraints.required and .hidden are the strings "true" or "false", as Microsoft\'s schema types them.',
  why: "Microsoft's schema types these flags as strings. A warning: certified connectors (Almabase) write JSON booleans and work.",
  evidence: [{ says: "paconn-apiProperties.schema.json: constraints.required and .hidden are strings \"true\"/\"false\".", url: sources.paconnSchema }],
  example: { fail: "constraints: {required: true}", pass: "constraints: {required: 'true'}" },
  *check({ properties }) {
    for (const { name, pointer, parameter } of connectionParametersOf(properties)) {
      const ui = isObject(parameter) ? parameter.uiDefinition : undefined;
      const constraints = isObject(ui) ? ui.constraints : undefined;
      if (!isObject(constraints)) continue;
      for (const flag of stringFlags) {
        const value = constraints[flag];
        if (value === undefined || value === "true" || value === "false") continue;
        yield {
          message: `constraints.${flag} of connection parameter '${name}' is ${JSON.stringify(value)}; write the string "true" or "false"`,
          pointer: joinPointer(pointer, "uiDefinition", "constraints", flag),
          document: "apiProperties",
        };
      }
    }
  },
};
