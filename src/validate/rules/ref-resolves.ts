import { sources } from "../evidence.ts";
import { localRefPointer } from "../../spec/pointer.ts";
import { refsIn, resolveLocal } from "../../connector/index.ts";
import type { Rule } from "../rule.ts";

export const refResolves: Rule = {
  id: "ref-resolves",
  severity: "error",
  doc: "Every local $ref points at something that exists in the definition.",
  why: "A reference to nothing leaves a parameter or schema undefined.",
  evidence: [{ says: "ParameterReferenceNotFound: \"The parameter reference '{0}' could not be found in the swagger document.\"", url: sources.validatorRules }],
  example: { fail: "schema:\n  $ref: '#/definitions/Ordr'", pass: "schema:\n  $ref: '#/definitions/Order'" },
  *check({ definition }) {
    for (const { ref, pointer } of refsIn(definition, "")) {
      // Refs that are not local at all are ref-local's finding.
      if (localRefPointer(ref) === undefined || resolveLocal(definition, ref)) continue;
      yield { message: `$ref '${ref}' points at nothing: no such target in the definition`, pointer, document: "apiDefinition" };
    }
  },
};
