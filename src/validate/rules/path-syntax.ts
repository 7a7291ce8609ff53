import { sources } from "../evidence.ts";
import { joinPointer } from "../../spec/pointer.ts";
import { entriesOf, isObject } from "../../connector/index.ts";
import type { Rule } from "../rule.ts";

/** What makes a path key unusable as a route, each with the gate's own reason. */
const problems: { test: (path: string) => boolean; reason: string }[] = [
  { test: (p) => !p.startsWith("/"), reason: "must start with '/'" },
  { test: (p) => /[?#]/.test(p), reason: "must not contain a query or fragment ('?' or '#'); URL-encode them" },
  { test: (p) => p.includes("*"), reason: "cannot contain the wildcard character '*'" },
];

export const pathSyntax: Rule = {
  id: "path-syntax",
  severity: "error",
  doc: "Every path starts with '/' and has no '?', '#' or '*'.",
  why: "The platform routes each operation by its path template; these characters cannot be routed.",
  evidence: [
    { says: "OperationPathMustStartWithSlash: \"The path is not valid, it must start with a '/' character.\"", url: sources.validatorRules },
    { says: "OperationPathMayNotContainQueryOrFragment: \"The path is not valid, it must not contain a query part or fragment identifier.\"", url: sources.validatorRules },
    { says: "OperationPathContainsUnsupportedCharacters: \"The operation path cannot contain wildcard character '*'.\"", url: sources.validatorRules },
  ],
  example: { fail: "paths:\n  /orders?status=open: {}", pass: "paths:\n  /orders: {}" },
  *check({ definition }) {
    const paths = isObject(definition) ? definition.paths : undefined;
    for (const [path] of entriesOf(paths)) {
      for (const { test, reason } of problems) {
        if (!test(path)) continue;
        yield { message: `path '${path}' ${reason}`, pointer: joinPointer("/paths", path), document: "apiDefinition" };
      }
    }
  },
};
