import { joinPointer } from "../../spec/pointer.ts";
import { isObject, resolveLocal } from "../model.ts";
import type { Rule } from "../rule.ts";

/** Every `$ref` string in the document, with the pointer of the `$ref` key itself. */
function* refsIn(value: unknown, pointer: string): Generator<{ ref: string; pointer: string }> {
  if (Array.isArray(value)) {
    for (const [i, item] of value.entries()) yield* refsIn(item, joinPointer(pointer, i));
  } else if (isObject(value)) {
    for (const [key, child] of Object.entries(value)) {
      if (key === "$ref" && typeof child === "string") yield { ref: child, pointer: joinPointer(pointer, key) };
      else yield* refsIn(child, joinPointer(pointer, key));
    }
  }
}

export const refResolves: Rule = {
  id: "ref-resolves",
  severity: "error",
  doc: "Every $ref points at something that exists in the same document; an uploaded definition cannot refer to other files.",
  *check({ definition }) {
    for (const { ref, pointer } of refsIn(definition, "")) {
      if (!ref.startsWith("#")) {
        yield {
          message: `$ref '${ref}' refers to another file; Power Platform takes one self-contained definition`,
          pointer,
          document: "apiDefinition",
        };
      } else if (!resolveLocal(definition, ref)) {
        yield { message: `$ref '${ref}' points at nothing: no such target in the definition`, pointer, document: "apiDefinition" };
      }
    }
  },
};
