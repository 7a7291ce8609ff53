import { sources } from "../evidence.ts";
import type { Rule } from "../rule.ts";

export const duplicateKey: Rule = {
  id: "duplicate-key",
  severity: "warning",
  doc: "No object in either file has the same key twice.",
  why:
    "The platform reads JSON with Newtonsoft, which keeps the last value of a repeated key, so the file imports but the earlier " +
    "value is silently lost; strict JSON and YAML parsers refuse the file. The validator reads it as the platform does and says where.",
  evidence: [{ says: "Newtonsoft's default for a repeated property name replaces the earlier value (DuplicatePropertyNameHandling.Replace).", url: sources.newtonsoft }],
  example: { fail: '{"summary": "Get an order", "summary": "Get one order"}', pass: '{"summary": "Get an order"}' },
  *check({ duplicateKeys }) {
    for (const { document, pointer } of duplicateKeys ?? []) {
      const key = pointer.slice(pointer.lastIndexOf("/") + 1).replaceAll("~1", "/").replaceAll("~0", "~");
      yield { message: `key '${key}' is written more than once here; the platform keeps the last value`, pointer, document };
    }
  },
};
