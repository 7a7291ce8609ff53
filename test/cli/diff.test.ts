/** `fno-connector diff`, run in-process: exit codes, text and --json output, and --against REF on a git repository. */
import { execFileSync } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { gate } from "../../src/diff/index.ts";
import { connector, type Docs } from "../validate/fixtures.ts";
import { lineOf, sourceFolder } from "./connector-folder.ts";
import { runCaptured, tempDir } from "./support.ts";

const getOrder = (d: Docs) => d.definition.paths["/orders/{orderId}"].get;
const withoutCreateOrder = (d: Docs) => delete d.definition.paths["/orders"];
const withOptionalInput = (d: Docs) => getOrder(d).parameters.push({ name: "expand", in: "query", type: "string", "x-ms-summary": "Expand" });

describe("fno-connector diff OLD NEW", () => {
  it("exits 0 with nothing to report between a connector and a copy of it", async () => {
    const result = await runCaptured(["diff", sourceFolder(connector()), sourceFolder(connector())]);
    expect(result).toEqual({ code: 0, stdout: "0 breaking, 0 warning, 0 safe\n", stderr: "" });
  });

  it("exits 0 on safe changes only, listing them", async () => {
    const result = await runCaptured(["diff", sourceFolder(connector()), sourceFolder(connector(withOptionalInput))]);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain("safe  GetOrder  New optional input field 'expand'");
    expect(result.stdout).toMatch(/0 breaking, 0 warning, 1 safe\n$/);
  });

  it("exits 1 when an operation is removed, naming it, the old file and line, and the count on stderr", async () => {
    const old = sourceFolder(connector());
    const result = await runCaptured(["diff", old, sourceFolder(connector(withoutCreateOrder))]);
    expect(result.code).toBe(1);
    const line = lineOf(path.join(old, "apiDefinition.yaml"), "post:");
    expect(result.stdout).toContain(`breaking  CreateOrder  ${gate.operationDeleted}`);
    expect(result.stdout).toContain(`(old: ${path.relative(process.cwd(), path.join(old, "apiDefinition.yaml"))}:${line} /paths/~1orders/post; new: -)`);
    expect(result.stderr).toBe("fno-connector: 1 change breaks existing flows\n");
  });

  it("prints {breaking, changes} with --json, each change with class, kind, operation, message and both sides located", async () => {
    const [old, now] = [sourceFolder(connector()), sourceFolder(connector((d) => (getOrder(d).parameters[0].type = "integer")))];
    const result = await runCaptured(["diff", old, now, "--json"]);
    expect(result.code).toBe(1);
    const output = JSON.parse(result.stdout) as Record<string, unknown>;
    expect(Object.keys(output)).toEqual(["breaking", "changes"]);
    const side = (dir: string) => ({
      document: "apiDefinition",
      pointer: "/paths/~1orders~1{orderId}/get/parameters/0",
      file: path.relative(process.cwd(), path.join(dir, "apiDefinition.yaml")),
      line: lineOf(path.join(dir, "apiDefinition.yaml"), "- name: orderId"),
    });
    expect(output).toEqual({
      breaking: true,
      changes: [
        {
          class: "breaking",
          kind: "input-type-changed",
          operation: "GetOrder",
          message: `The type has been changed for the input field 'orderId': "string" → "integer"`,
          old: side(old),
          new: side(now),
        },
      ],
    });
  });

  it("prints breaking: false and exit 0 with --json when nothing breaks", async () => {
    const result = await runCaptured(["diff", sourceFolder(connector()), sourceFolder(connector(withOptionalInput)), "--json"]);
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({ breaking: false, changes: [{ class: "safe", kind: "optional-input-added" }] });
  });

  it("exits 1 on a changed host that operations call, naming both hosts and the /host line on both sides with --json", async () => {
    const onDefinitionHost = (d: Docs) => (d.properties.properties.policyTemplateInstances = []);
    const [old, now] = [sourceFolder(connector(onDefinitionHost)), sourceFolder(connector((d) => { onDefinitionHost(d); d.definition.host = "orders.fabrikam.example.com"; }))];
    const result = await runCaptured(["diff", old, now, "--json"]);
    expect(result.code).toBe(1);
    const side = (dir: string) => ({
      document: "apiDefinition",
      pointer: "/host",
      file: path.relative(process.cwd(), path.join(dir, "apiDefinition.yaml")),
      line: lineOf(path.join(dir, "apiDefinition.yaml"), "host:"),
    });
    expect(JSON.parse(result.stdout)).toEqual({
      breaking: true,
      changes: [
        expect.objectContaining({ class: "breaking", kind: "host-changed", message: expect.stringContaining(`"contoso.example.com" → "orders.fabrikam.example.com"`), old: side(old), new: side(now) }),
      ],
    });
  });

  it("exits 0 on a basePath that dynamichosturl replaces for every operation, printing it as a warning about the connector", async () => {
    const old = sourceFolder(connector());
    const now = sourceFolder(connector((d) => (d.definition.basePath = "/v2")));
    const result = await runCaptured(["diff", old, now]);
    expect(result.code).toBe(0);
    const at = (dir: string) => `${path.relative(process.cwd(), path.join(dir, "apiDefinition.yaml"))}:${lineOf(path.join(dir, "apiDefinition.yaml"), "basePath:")} /basePath`;
    expect(result.stdout).toBe(
      `warning  (connector)  The base path has been changed: "/" → "/v2"; no operation calls it: dynamichosturl sets the host URL of every operation  (old: ${at(old)}; new: ${at(now)})\n` +
        "0 breaking, 1 warning, 0 safe\n",
    );
  });

  it.each([
    ["a missing folder", (dir: string) => path.join(dir, "nowhere"), /nowhere/],
    ["malformed YAML", (dir: string) => (writeFileSync(path.join(dir, "apiDefinition.yaml"), "swagger: '2.0'\ninfo: [oops\n"), dir), /apiDefinition\.yaml:\d+:\d+: YAML syntax error/],
  ])("exits 2 on %s in NEW, naming it, and prints no changes", async (_, spoil, message) => {
    const result = await runCaptured(["diff", sourceFolder(connector()), spoil(sourceFolder(connector()))]);
    expect(result.code).toBe(2);
    expect(result.stdout).toBe("");
    expect(result.stderr).toMatch(message);
  });

  it("exits 2 when given neither NEW nor --against, or both", async () => {
    const dir = sourceFolder(connector());
    for (const args of [["diff", dir], ["diff", dir, dir, "--against", "HEAD"]]) {
      const result = await runCaptured(args);
      expect(result.code).toBe(2);
      expect(result.stderr).toContain("give two folders (OLD NEW), or one folder and --against REF");
    }
  });
});

describe("fno-connector diff DIR --against REF", () => {
  /** A git repository with the clean connector committed in connector/, and the folder's path. */
  function repository(): { repo: string; dir: string } {
    const repo = tempDir("fno-diff-git-");
    const git = (...args: string[]) => execFileSync("git", ["-c", "user.name=Test", "-c", "user.email=test@example.com", "-c", "commit.gpgsign=false", ...args], { cwd: repo, stdio: "pipe" });
    git("init", "-q");
    const dir = path.join(repo, "connector");
    mkdirSync(dir);
    sourceFolder(connector(), dir);
    git("add", ".");
    git("commit", "-q", "-m", "connector");
    return { repo, dir };
  }

  it("compares the working folder with itself at HEAD: exit 0 unchanged, exit 1 after removing an operation", async () => {
    const { dir } = repository();
    expect(await runCaptured(["diff", dir, "--against", "HEAD"])).toEqual({ code: 0, stdout: "0 breaking, 0 warning, 0 safe\n", stderr: "" });

    sourceFolder(connector(withoutCreateOrder), dir);
    const result = await runCaptured(["diff", dir, "--against", "HEAD", "--json"]);
    expect(result.code).toBe(1);
    const output = JSON.parse(result.stdout) as { changes: { kind: string; operation: string; old: Record<string, unknown> }[] };
    expect(output.changes).toEqual([expect.objectContaining({ kind: "operation-removed", operation: "CreateOrder" })]);
    // The old side was read from a temporary extract, so it has a pointer but no file or line.
    expect(output.changes[0]!.old).toEqual({ document: "apiDefinition", pointer: "/paths/~1orders/post" });
  });

  it("exits 2 for a revision git does not know, naming it", async () => {
    const { dir } = repository();
    const result = await runCaptured(["diff", dir, "--against", "no-such-ref"]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("--against no-such-ref: cannot read connector at no-such-ref");
  });

  it("exits 2 for a folder outside any git work tree", async () => {
    const dir = sourceFolder(connector());
    const result = await runCaptured(["diff", dir, "--against", "HEAD"]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(`--against HEAD: ${dir} is not inside a git work tree`);
  });
});
