import { sources } from "../evidence.ts";
import { localRefPointer } from "../../spec/pointer.ts";
import { refsIn } from "../../connector/index.ts";
import type { Rule } from "../rule.ts";

/**
 * A package is uploaded (and run by the gateway) as one document: a `$ref` to another file or URL, or a
 * fragment that is not a JSON pointer, cannot be followed there. Sources may refer to other files; the
 * compiler inlines those before this rule sees the definition.
 */
export const refLocal: Rule = {
  id: "ref-local",
  severity: "error",
  doc: "Every $ref is local to the definition ('#/…'); an uploaded definition cannot refer to other files.",
  why: "The platform stores and runs the definition as one document; a reference to another file or URL cannot be followed there.",
  evidence: [{ says: "ParameterReferenceNotValid: \"Parameter references must start with '#/parameters/' and be valid JSON Pointers.\"", url: sources.validatorRules }],
  example: { fail: "schema:\n  $ref: ./schemas.json#/Order", pass: "schema:\n  $ref: '#/definitions/Order'" },
  *check({ definition }) {
    for (const { ref, pointer } of refsIn(definition, "")) {
      if (localRefPointer(ref) !== undefined) continue;
      yield {
        message: ref.startsWith("#")
          ? `$ref '${ref}' is not a JSON pointer into the definition; write '#/definitions/Name'`
          : `$ref '${ref}' refers to another file; Power Platform takes one self-contained definition`,
        pointer,
        document: "apiDefinition",
      };
    }
  },
};
