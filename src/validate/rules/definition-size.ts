import { sources } from "../evidence.ts";
import type { Rule } from "../rule.ts";

/**
 * Power Platform refuses definitions of 1 MB or more (docs/rules.md, "definition-size"). The certified Encodian
 * connector is 1.1 MB as an indented file but 0.7 MB without whitespace, so the platform measures the
 * content, not the layout: we measure the compact JSON, against the decimal megabyte to be safe.
 */
export const maxDefinitionBytes = 1_000_000;

export const definitionSize: Rule = {
  id: "definition-size",
  severity: "error",
  doc: "The definition is smaller than 1 MB (measured as compact JSON).",
  why: "The platform refuses definitions of 1 MB or more. The certified Encodian connector is 1.1 MB indented but 0.7 MB compact, so the content is measured, not the layout.",
  evidence: [{ says: "The OpenAPI definition must be smaller than 1 MB.", url: sources.defineOpenApi }, { says: "Swagger files should not exceed 1 MB; split large connectors.", url: sources.submission }],
  example: { fail: "# a definition of 1,000,000 bytes or more as compact JSON", pass: "# a definition under 1,000,000 bytes as compact JSON" },
  *check({ definition }) {
    const bytes = Buffer.byteLength(JSON.stringify(definition) ?? "", "utf8");
    if (bytes < maxDefinitionBytes) return;
    yield {
      message: `the definition is ${bytes} bytes as compact JSON; Power Platform takes less than ${maxDefinitionBytes}. Split the connector`,
      pointer: "",
      document: "apiDefinition",
    };
  },
};
