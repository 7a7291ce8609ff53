import { sources } from "../evidence.ts";
import { isObject, operationLabel, operationsOf, responsesOf } from "../../connector/index.ts";
import type { Rule } from "../rule.ts";

/** Statuses that by definition carry no body. */
const noContent = new Set(["204", "205", "304"]);

export const successResponseSchema: Rule = {
  id: "success-response-schema",
  severity: "warning",
  doc: "A 2xx response that returns content has a schema, so the designer can offer its fields as dynamic content.",
  why: "Without a schema the designer offers no fields of the response as dynamic content.",
  evidence: [{ says: "Response schemas on all operations unless dynamic.", url: sources.submission }],
  example: { fail: "'200': {description: The order}", pass: "'200': {description: The order, schema: {$ref: '#/definitions/Order'}}" },
  *check({ definition }) {
    for (const entry of operationsOf(definition)) {
      // A webhook trigger's outputs come from x-ms-notification-content, not from its subscribe response.
      if (isObject(entry.pathItem["x-ms-notification-content"])) continue;
      for (const { status, pointer, response } of responsesOf(definition, entry)) {
        if (!/^2\d\d$/.test(status) || noContent.has(status) || "schema" in response) continue;
        yield {
          message: `the ${status} response of ${operationLabel(entry)} has no schema`,
          pointer,
          document: "apiDefinition",
        };
      }
    }
  },
};
