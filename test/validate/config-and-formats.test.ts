import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { stringify } from "yaml";
import { SpecLoadError } from "../../src/spec/load.ts";
import { rules, validateDirectory } from "../../src/validate/index.ts";
import { parseRuleOptions, withLevels } from "../../src/validate/config.ts";
import { toSarif } from "../../src/validate/sarif.ts";
import { connector, type Docs } from "./fixtures.ts";

function sourceFolder(docs: Docs, extra: Record<string, string> = {}): string {
  const dir = mkdtempSync(path.join(tmpdir(), "fno-validate-config-"));
  const files = { "apiDefinition.yaml": stringify(docs.definition), "apiProperties.yaml": stringify(docs.properties), ...extra };
  for (const [name, text] of Object.entries(files)) writeFileSync(path.join(dir, name), text);
  return dir;
}

const longTitle = connector((d) => (d.definition.info.title = "C".repeat(31)));
const noSchema = connector((d) => delete d.definition.paths["/orders"].post.responses["201"].schema);

function thrown(run: () => unknown): SpecLoadError {
  try {
    run();
  } catch (error) {
    if (error instanceof SpecLoadError) return error;
    throw error;
  }
  throw new Error("expected a SpecLoadError");
}

describe(".fno-validate.yaml", () => {
  it("turns a rule off and changes another's severity", () => {
    const docs = connector((d) => {
      d.definition.info.title = "C".repeat(31);
      delete d.definition.paths["/orders"].post.responses["201"].schema;
    });
    const dir = sourceFolder(docs, { ".fno-validate.yaml": "rules:\n  info-title-length: off\n  success-response-schema: error\n" });
    const report = validateDirectory(dir);
    expect(report.config).toBe(path.join(dir, ".fno-validate.yaml"));
    expect(report.findings.map((f) => [f.rule, f.severity])).toEqual([["success-response-schema", "error"]]);
  });

  it("is overridden by the command line's levels", () => {
    const dir = sourceFolder(longTitle, { ".fno-validate.yaml": "rules:\n  info-title-length: off\n" });
    expect(validateDirectory(dir, { "info-title-length": "warning" }).findings.map((f) => [f.rule, f.severity])).toEqual([
      ["info-title-length", "warning"],
    ]);
  });

  it.each([
    ["an unknown rule", "rules:\n  title-length: off\n", 2, "/rules/title-length 'title-length' is not a rule id"],
    ["an unknown level", "rules:\n  info-title-length: ignore\n", 2, "/rules/info-title-length must be one of off, warning, error"],
    ["an unknown setting", "extends: recommended\n", 1, "/extends 'extends' is not a setting"],
  ])("refuses %s with its file and line", (_, text, line, message) => {
    const dir = sourceFolder(longTitle, { ".fno-validate.yaml": text });
    const error = thrown(() => validateDirectory(dir));
    expect(error.position).toMatchObject({ file: path.join(dir, ".fno-validate.yaml"), line });
    expect(error.message).toContain(message);
  });
});

describe("--rule", () => {
  it("parses id=level and refuses unknown ids and levels", () => {
    expect(parseRuleOptions(["info-title-length=off", "parameter-labels=error"], rules)).toEqual({
      "info-title-length": "off",
      "parameter-labels": "error",
    });
    expect(() => parseRuleOptions(["title=off"], rules)).toThrow(/'title' is not a rule id/);
    expect(() => parseRuleOptions(["info-title-length=fatal"], rules)).toThrow(/off, warning, error/);
    expect(() => parseRuleOptions(["info-title-length"], rules)).toThrow(/off, warning, error/);
  });

  it("leaves rules it does not name as they are", () => {
    const changed = withLevels(rules, { "info-title-length": "off", "parameter-labels": "error" });
    expect(changed).toHaveLength(rules.length - 1);
    expect(changed.find((r) => r.id === "parameter-labels")!.severity).toBe("error");
    expect(changed.find((r) => r.id === "ref-local")).toBe(rules.find((r) => r.id === "ref-local"));
  });
});

describe("duplicate keys", () => {
  it("reads a package as Newtonsoft does (the last value wins) and reports the repeat at its line", () => {
    const definition = JSON.stringify(connector().definition, null, 2).replace(
      '"summary": "Create an order",',
      '"summary": "Make an order",\n        "summary": "Create an order",',
    );
    const dir = mkdtempSync(path.join(tmpdir(), "fno-validate-dup-"));
    writeFileSync(path.join(dir, "apiDefinition.swagger.json"), definition);
    writeFileSync(path.join(dir, "apiProperties.json"), JSON.stringify(connector().properties));
    const report = validateDirectory(dir);
    const line = definition.split("\n").findIndex((l) => l.includes('"summary": "Create an order"')) + 1;
    expect(report.findings).toEqual([
      expect.objectContaining({ rule: "duplicate-key", severity: "warning", pointer: "/paths/~1orders/post/summary", line }),
    ]);
  });
});

describe("SARIF", () => {
  it("has the fields SARIF 2.1.0 requires, one rule descriptor per rule and a result per finding", () => {
    const dir = sourceFolder(noSchema);
    const report = validateDirectory(dir);
    const sarif = toSarif(report.findings, rules, dir) as {
      version: string;
      $schema: string;
      runs: { tool: { driver: { name: string; rules: { id: string; defaultConfiguration: { level: string } }[] } }; results: Record<string, unknown>[] }[];
    };
    expect(sarif.version).toBe("2.1.0");
    expect(sarif.$schema).toMatch(/sarif-2\.1\.0/);
    const [run] = sarif.runs;
    expect(run!.tool.driver.name).toBeTruthy();
    expect(run!.tool.driver.rules.map((r) => r.id)).toEqual(rules.map((r) => r.id));
    expect(run!.results).toEqual([
      {
        ruleId: "success-response-schema",
        ruleIndex: rules.findIndex((r) => r.id === "success-response-schema"),
        level: "warning",
        message: { text: "the 201 response of 'CreateOrder' (POST /orders) has no schema" },
        locations: [
          {
            physicalLocation: { artifactLocation: { uri: "apiDefinition.yaml" }, region: { startLine: expect.any(Number) } },
            logicalLocations: [{ fullyQualifiedName: "apiDefinition#/paths/~1orders/post/responses/201", kind: "member" }],
          },
        ],
      },
    ]);
  });
});
