import { sources } from "../evidence.ts";
import { joinPointer } from "../../spec/pointer.ts";
import { entriesOf, isObject, itemsOf, operationsOf } from "../../connector/index.ts";
import type { Rule } from "../rule.ts";

export const securityDefined: Rule = {
  id: "security-defined",
  severity: "warning",
  doc: "Every name in a security requirement is declared under securityDefinitions.",
  why: "An undeclared security requirement names no way to sign in. A warning: the platform takes its auth from apiProperties, not from these names.",
  evidence: [{ says: "Swagger 2.0: each name in a Security Requirement Object must correspond to a scheme declared in securityDefinitions.", url: sources.swagger2 }],
  example: { fail: "security:\n  - api_key: []", pass: "securityDefinitions:\n  api_key: {type: apiKey, in: header, name: X-Key}\nsecurity:\n  - api_key: []" },
  *check({ definition }) {
    if (!isObject(definition)) return;
    const defined = new Set(Object.keys(isObject(definition.securityDefinitions) ? definition.securityDefinitions : {}));
    const requirementLists = [
      { pointer: "/security", list: definition.security },
      ...operationsOf(definition).map((e) => ({ pointer: joinPointer(e.pointer, "security"), list: e.operation.security })),
    ];
    for (const { pointer, list } of requirementLists) {
      for (const [i, requirement] of itemsOf(list).entries()) {
        for (const [name] of entriesOf(requirement)) {
          if (defined.has(name)) continue;
          yield {
            message: `security requirement '${name}' is not declared under securityDefinitions`,
            pointer: joinPointer(pointer, i, name),
            document: "apiDefinition",
          };
        }
      }
    }
  },
};
