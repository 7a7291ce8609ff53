/** `fno-connector validate --format sarif` and `--rule`, run in-process. */
import { writeFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { rules } from "../../src/validate/index.ts";
import { lineOf, sourceFolder } from "../cli/connector-folder.ts";
import { runCaptured } from "../cli/support.ts";
import { connector } from "./fixtures.ts";

const longTitle = "C".repeat(31);
/** One error (info-title-length) and one warning (success-response-schema). */
const errorAndWarning = () =>
  sourceFolder(
    connector((d) => {
      d.definition.info.title = longTitle;
      delete d.definition.paths["/orders"].post.responses["201"].schema;
    }),
  );
/** One warning (success-response-schema) only. */
const warningOnly = () => sourceFolder(connector((d) => delete d.definition.paths["/orders"].post.responses["201"].schema));

/** A source folder whose definition is not YAML: a flow sequence left open, found at line 4. */
function unclosedFlowSequence() {
  const dir = warningOnly();
  const definition = path.join(dir, "apiDefinition.yaml");
  writeFileSync(definition, "swagger: '2.0'\ninfo:\n  title: [unclosed\n");
  return { dir, definition };
}

interface Sarif {
  version: string;
  runs: {
    tool: { driver: { name: string; rules: { id: string }[] } };
    results: { ruleId: string; level: string; locations: { physicalLocation: { artifactLocation: { uri: string }; region: { startLine: number } } }[] }[];
  }[];
}

describe("fno-connector validate --format sarif", () => {
  it("prints SARIF 2.1.0 with every rule's descriptor and a located result per finding, exit 1 on the error", async () => {
    const dir = errorAndWarning();
    const result = await runCaptured(["validate", dir, "--format", "sarif"]);
    expect(result.code).toBe(1);
    const sarif = JSON.parse(result.stdout) as Sarif;
    expect(sarif.version).toBe("2.1.0");
    expect(sarif.runs).toHaveLength(1);
    const [run] = sarif.runs;
    expect(run!.tool.driver.rules.map((r) => r.id)).toEqual(rules.map((r) => r.id));
    const definition = path.join(dir, "apiDefinition.yaml");
    const uri = path.relative(process.cwd(), definition);
    expect(run!.results).toEqual([
      expect.objectContaining({
        ruleId: "info-title-length",
        level: "error",
        locations: [expect.objectContaining({ physicalLocation: { artifactLocation: { uri }, region: { startLine: lineOf(definition, `title: ${longTitle}`) } } })],
      }),
      expect.objectContaining({
        ruleId: "success-response-schema",
        level: "warning",
        locations: [expect.objectContaining({ physicalLocation: { artifactLocation: { uri }, region: { startLine: lineOf(definition, '"201":') } } })],
      }),
    ]);
  });

  it("leaves a rule turned off out of the descriptors and the results", async () => {
    const result = await runCaptured(["validate", errorAndWarning(), "--format", "sarif", "--rule", "info-title-length=off"]);
    expect(result.code).toBe(0);
    const [run] = (JSON.parse(result.stdout) as Sarif).runs;
    expect(run!.tool.driver.rules.map((r) => r.id)).not.toContain("info-title-length");
    expect(run!.results.map((r) => r.ruleId)).toEqual(["success-response-schema"]);
  });

  it("still prints SARIF for a source it cannot read: an unsuccessful run with the error at its line and column, exit 2", async () => {
    const { dir, definition } = unclosedFlowSequence();
    const result = await runCaptured(["validate", dir, "--format", "sarif"]);
    expect(result.code).toBe(2);
    const [run] = (JSON.parse(result.stdout) as { runs: { results: unknown[]; invocations: unknown[] }[] }).runs;
    expect(run!.results).toEqual([]);
    expect(run!.invocations).toEqual([
      {
        executionSuccessful: false,
        toolExecutionNotifications: [
          {
            level: "error",
            message: { text: expect.any(String) },
            locations: [{ physicalLocation: { artifactLocation: { uri: path.relative(process.cwd(), definition) }, region: { startLine: 4, startColumn: expect.any(Number) } } }],
          },
        ],
      },
    ]);
    expect(result.stderr).toContain(`${definition}:4:`);
  });

  it("--format json prints the unreadable source's error with its file, line and column, exit 2", async () => {
    const { dir, definition } = unclosedFlowSequence();
    const result = await runCaptured(["validate", dir, "--format", "json"]);
    expect(result.code).toBe(2);
    expect(JSON.parse(result.stdout)).toEqual({
      findings: [],
      error: { kind: "syntax", message: expect.not.stringContaining(definition), file: path.relative(process.cwd(), definition), line: 4, column: expect.any(Number) },
    });
  });

  it("marks a run that read its source as successful", async () => {
    const [run] = (JSON.parse((await runCaptured(["validate", warningOnly(), "--format", "sarif"])).stdout) as { runs: { invocations: unknown[] }[] }).runs;
    expect(run!.invocations).toEqual([{ executionSuccessful: true }]);
  });

  it("exits 2 on an unknown format", async () => {
    const result = await runCaptured(["validate", warningOnly(), "--format", "xml"]);
    expect(result).toMatchObject({ code: 2, stdout: "" });
    expect(result.stderr).toContain("--format xml: use one of text, json, sarif");
  });
});

describe("fno-connector validate --rule", () => {
  it("turns an error off (exit 1 → 0) or down to a warning (exit 0)", async () => {
    const dir = errorAndWarning();
    expect((await runCaptured(["validate", dir])).code).toBe(1);
    const off = await runCaptured(["validate", dir, "--rule", "info-title-length=off"]);
    expect(off.code).toBe(0);
    expect(off.stdout).not.toContain("info-title-length");
    const warning = await runCaptured(["validate", dir, "--rule", "info-title-length=warning"]);
    expect(warning.code).toBe(0);
    expect(warning.stdout).toMatch(/ {2}warning {2}info-title-length {2}/);
  });

  it("raises a warning to an error (exit 0 → 1), and takes several --rule options", async () => {
    const dir = warningOnly();
    expect((await runCaptured(["validate", dir])).code).toBe(0);
    const raised = await runCaptured(["validate", dir, "--rule", "success-response-schema=error"]);
    expect(raised.code).toBe(1);
    expect(raised.stdout).toMatch(/ {2}error {2}success-response-schema {2}/);
    const both = await runCaptured(["validate", dir, "--rule", "success-response-schema=error", "--rule", "success-response-schema=off"]);
    expect(both.code).toBe(0);
  });

  it("wins over .fno-validate.yaml", async () => {
    const dir = warningOnly();
    writeFileSync(path.join(dir, ".fno-validate.yaml"), "rules:\n  success-response-schema: error\n");
    expect((await runCaptured(["validate", dir])).code).toBe(1);
    expect((await runCaptured(["validate", dir, "--rule", "success-response-schema=warning"])).code).toBe(0);
  });

  it.each([
    ["an unknown rule id", "title-length=off", "'title-length' is not a rule id"],
    ["an unknown level", "info-title-length=fatal", "off, warning, error"],
    ["no level", "info-title-length", "off, warning, error"],
  ])("exits 2 on %s, printing nothing to stdout", async (_, value, message) => {
    const result = await runCaptured(["validate", warningOnly(), "--rule", value]);
    expect(result).toMatchObject({ code: 2, stdout: "" });
    expect(result.stderr).toContain(message);
  });
});
