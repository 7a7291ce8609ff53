/** `validate --format sarif`: SARIF 2.1.0, the format GitHub code scanning and editors read. */
import path from "node:path";
import type { SpecLoadError } from "../spec/load.ts";
import type { Finding } from "./finding.ts";
import type { Rule } from "./rule.ts";

export const sarifSchemaUri = "https://json.schemastore.org/sarif-2.1.0.json";

/** A path as SARIF's artifact URIs give it: relative to `cwd`, with forward slashes. */
const artifactUri = (file: string, cwd: string) => path.relative(cwd, file).split(path.sep).join("/");

/**
 * One run of the validator: every rule it ran as a reporting descriptor, every finding as a result. A source
 * that could not be read (`failure`) makes the run unsuccessful, with the error, and its place when known, as a
 * tool execution notification: where SARIF readers (code scanning, editors) look for why a run found nothing.
 */
export function toSarif(findings: readonly Finding[], rules: readonly Rule[], cwd: string, failure?: SpecLoadError): object {
  const index = new Map(rules.map((rule, i) => [rule.id, i]));
  const position = failure?.position;
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
                      artifactLocation: { uri: artifactUri(finding.file, cwd) },
                      ...(finding.line === undefined ? {} : { region: { startLine: finding.line } }),
                    },
                  }),
              logicalLocations: [{ fullyQualifiedName: `${finding.document}#${finding.pointer}`, kind: "member" }],
            },
          ],
        })),
        invocations: [
          {
            executionSuccessful: failure === undefined,
            ...(failure === undefined
              ? {}
              : {
                  toolExecutionNotifications: [
                    {
                      level: "error",
                      message: { text: failure.reason },
                      ...(position === undefined
                        ? {}
                        : { locations: [{ physicalLocation: { artifactLocation: { uri: artifactUri(position.file, cwd) }, region: { startLine: position.line, startColumn: position.column } } }] }),
                    },
                  ],
                }),
          },
        ],
      },
    ],
  };
}
