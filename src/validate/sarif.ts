/** `validate --format sarif`: SARIF 2.1.0, the format GitHub code scanning and editors read. */
import path from "node:path";
import type { Finding } from "./finding.ts";
import type { Rule } from "./rule.ts";

export const sarifSchemaUri = "https://json.schemastore.org/sarif-2.1.0.json";

/** One run of the validator: every rule it ran as a reporting descriptor, every finding as a result. */
export function toSarif(findings: readonly Finding[], rules: readonly Rule[], cwd: string): object {
  const index = new Map(rules.map((rule, i) => [rule.id, i]));
  return {
    $schema: sarifSchemaUri,
    version: "2.1.0",
    runs: [
      {
        tool: {
          driver: {
            name: "fno-connector validate",
            informationUri: "https://github.com/microsoft/PowerPlatformConnectors",
            rules: rules.map((rule) => ({
              id: rule.id,
              shortDescription: { text: rule.doc },
              fullDescription: { text: rule.why },
              helpUri: `docs/rules.md#${rule.id}`,
              defaultConfiguration: { level: rule.severity },
            })),
          },
        },
        results: findings.map((finding) => ({
          ruleId: finding.rule,
          ...(index.has(finding.rule) ? { ruleIndex: index.get(finding.rule) } : {}),
          level: finding.severity,
          message: { text: finding.message },
          locations: [
            {
              ...(finding.file === undefined
                ? {}
                : {
                    physicalLocation: {
                      artifactLocation: { uri: path.relative(cwd, finding.file).split(path.sep).join("/") },
                      ...(finding.line === undefined ? {} : { region: { startLine: finding.line } }),
                    },
                  }),
              logicalLocations: [{ fullyQualifiedName: `${finding.document}#${finding.pointer}`, kind: "member" }],
            },
          ],
        })),
      },
    ],
  };
}
