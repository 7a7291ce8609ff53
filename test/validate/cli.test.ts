import { copyFileSync, existsSync, mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { stringify } from "yaml";
import { runCaptured, type CliRun } from "../cli/support.ts";
import { repoRoot } from "../support/shared.ts";
import { connector, type Docs } from "./fixtures.ts";

/** Runs `fno-connector <command> ...args` in-process from `cwd`, as a user would from that folder. */
async function cli(command: string, args: string[], cwd: string = repoRoot): Promise<CliRun> {
  const previous = process.cwd();
  process.chdir(cwd);
  try {
    return await runCaptured([command, ...args]);
  } finally {
    process.chdir(previous);
  }
}

const validate = (args: string[], cwd?: string) => cli("validate", args, cwd);

function sourceFolder(docs: Docs, overrides: Record<string, string> = {}): string {
  const dir = mkdtempSync(path.join(tmpdir(), "fno-validate-cli-"));
  const files = { "apiDefinition.yaml": stringify(docs.definition), "apiProperties.yaml": stringify(docs.properties), ...overrides };
  for (const [name, text] of Object.entries(files)) writeFileSync(path.join(dir, name), text);
  return dir;
}

describe("fno-connector validate", () => {
  it("validates connector/ by default and exits 0", async () => {
    const result = await validate([]);
    expect(result).toMatchObject({ code: 0, stderr: "" });
    expect(result.stdout).toMatch(/^0 errors, \d+ warnings? in connector\/apiDefinition\.yaml, connector\/apiProperties\.yaml\n$/);
  });

  it("exits 1 on rule violations and an unknown $ref, printing file:line, severity, rule id, message and pointer", async () => {
    const dir = sourceFolder(
      connector((d) => {
        d.definition.info.title = "Contoso Orders and Invoices Connector";
        d.definition.paths["/orders"].post.responses["201"].schema = { $ref: "#/definitions/Invoice" };
      }),
    );
    const result = await validate([dir]);
    expect(result.code).toBe(1);
    const lines = result.stdout.split("\n");
    expect(lines).toContainEqual(
      expect.stringMatching(
        /apiDefinition\.yaml:\d+ {2}error {2}info-title-length {2}info\.title 'Contoso Orders and Invoices Connector' has 37 characters; at most 30 are allowed {2}\(\/info\/title\)$/,
      ),
    );
    expect(lines).toContainEqual(
      expect.stringMatching(
        /apiDefinition\.yaml:\d+ {2}error {2}ref-resolves {2}\$ref '#\/definitions\/Invoice' points at nothing: .* {2}\(\/paths\/~1orders\/post\/responses\/201\/schema\/\$ref\)$/,
      ),
    );
    expect(result.stdout).toContain("2 errors, 0 warnings in ");
    expect(result.stderr).toContain("is not a valid connector: 2 errors");
  });

  it("exits 2 on malformed YAML, naming the file and line", async () => {
    const dir = sourceFolder(connector(), { "apiDefinition.yaml": "swagger: '2.0'\ninfo:\n  title: [Contoso\n  version: '1'\n" });
    const result = await validate([dir]);
    expect(result.code).toBe(2);
    expect(result.stdout).toBe("");
    expect(result.stderr).toMatch(new RegExp(`${path.join(dir, "apiDefinition.yaml").replace(/[.]/g, "\\.")}:\\d+:\\d+: YAML syntax error`));
  });

  it("exits 2 when a file is missing, naming it", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), "fno-validate-cli-"));
    writeFileSync(path.join(dir, "apiDefinition.swagger.json"), JSON.stringify(connector().definition));
    const result = await validate([dir]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(`cannot read ${path.join(dir, "apiProperties.json")}: file not found`);
  });

  it("prints exactly {findings: [{rule, severity, message, pointer, file, line}]} with --json", async () => {
    const dir = sourceFolder(connector((d) => delete d.definition.paths["/orders"].post.responses["201"].schema));
    const result = await validate([dir, "--json"], dir);
    expect(result.code).toBe(0);
    const output = JSON.parse(result.stdout) as { findings: Record<string, unknown>[] };
    expect(Object.keys(output)).toEqual(["findings"]);
    expect(output.findings).toEqual([
      {
        rule: "success-response-schema",
        severity: "warning",
        message: "the 201 response of 'CreateOrder' (POST /orders) has no schema",
        pointer: "/paths/~1orders/post/responses/201",
        file: "apiDefinition.yaml",
        line: expect.any(Number),
      },
    ]);
  });

  // S1 (issue 9): a $ref to a file outside the folder was read and baked into the package.
  it("exits 2 when a $ref leaves the connector folder, in validate and build alike, naming file, line and $ref", async () => {
    const outer = mkdtempSync(path.join(tmpdir(), "fno-validate-cli-"));
    writeFileSync(path.join(outer, "secret.txt"), "hunter2\n");
    const dir = path.join(outer, "connector");
    mkdirSync(dir);
    const docs = connector((d) => (d.definition.definitions.Order = { $ref: "../secret.txt" }));
    for (const [name, text] of Object.entries({ "apiDefinition.yaml": stringify(docs.definition), "apiProperties.yaml": stringify(docs.properties) })) {
      writeFileSync(path.join(dir, name), text);
    }
    copyFileSync(path.join(repoRoot, "connector", "icon.png"), path.join(dir, "icon.png"));
    const definition = path.join(dir, "apiDefinition.yaml");
    const line = stringify(docs.definition).split("\n").findIndex((l) => l.includes("../secret.txt")) + 1;
    const expected = `${definition}:${line}:`;

    const validated = await validate([dir]);
    expect(validated.code).toBe(2);
    expect(validated.stderr).toContain(expected);
    expect(validated.stderr).toContain("$ref '../secret.txt' is outside the connector folder");

    const out = path.join(outer, "dist");
    const built = await cli("build", ["--source", dir, "--out", out, "--no-solution"], outer);
    expect(built.code).toBe(2);
    expect(built.stderr).toContain(expected);
    expect(built.stderr).toContain("$ref '../secret.txt' is outside the connector folder");
    expect(built.stderr + built.stdout).not.toContain("hunter2");
    expect(existsSync(out)).toBe(false);
  });
});
