import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { loadSpec, maxSourceFileBytes, maxLoadedValues, SpecLoadError } from "../../src/spec/load.ts";

function folder(files: Record<string, string>): string {
  const dir = mkdtempSync(path.join(tmpdir(), "fno-spec-"));
  for (const [name, text] of Object.entries(files)) writeFileSync(path.join(dir, name), text);
  return dir;
}

describe("loadSpec", () => {
  it("maps JSON pointers back to file and line, through external refs", () => {
    const dir = folder({
      "main.yaml": "swagger: '2.0'\ndefinitions:\n  Message:\n    $ref: ./schemas.yaml#/Message\n  Local:\n    $ref: '#/definitions/Message'\n",
      "schemas.yaml": "# schemas\nMessage:\n  type: object\n  properties:\n    PopReceipt:\n      type: string\n",
    });
    const spec = loadSpec(path.join(dir, "main.yaml"));
    expect(spec.value).toEqual({
      swagger: "2.0",
      definitions: {
        Message: { type: "object", properties: { PopReceipt: { type: "string" } } },
        Local: { $ref: "#/definitions/Message" },
      },
    });
    expect(spec.locate("/definitions/Message/properties/PopReceipt")).toEqual({ file: path.join(dir, "schemas.yaml"), line: 5, column: 5 });
    expect(spec.locate("/definitions/Local")).toMatchObject({ file: path.join(dir, "main.yaml"), line: 5 });
    // A pointer below any known node falls back to its nearest ancestor.
    expect(spec.locate("/definitions/Local/nothing/here")).toMatchObject({ line: 5 });
    expect(spec.files).toHaveLength(2);
  });

  it("reports YAML syntax errors with file, line and column", () => {
    const dir = folder({ "bad.yaml": "swagger: '2.0'\ninfo:\n  title: [unclosed\n  version: 1\n" });
    const error = (() => {
      try {
        loadSpec(path.join(dir, "bad.yaml"));
      } catch (e) {
        return e;
      }
    })() as SpecLoadError;
    expect(error).toBeInstanceOf(SpecLoadError);
    expect(error.kind).toBe("syntax");
    expect(error.position?.file).toBe(path.join(dir, "bad.yaml"));
    expect(error.position?.line).toBeGreaterThanOrEqual(3);
    expect(error.message).toMatch(/bad\.yaml:\d+:\d+: YAML syntax error/);
  });

  it("rejects duplicate keys, missing ref targets, missing files and cycles", () => {
    const dir = folder({
      "dup.yaml": "a: 1\na: 2\n",
      "ref.yaml": "x:\n  $ref: ./other.yaml#/Nope\n",
      "other.yaml": "Yes: {}\n",
      "gone.yaml": "x:\n  $ref: ./missing.yaml\n",
      "cycle.yaml": "A:\n  $ref: ./cycle2.yaml#/B\n",
      "cycle2.yaml": "B:\n  $ref: ./cycle.yaml#/A\n",
    });
    expect(() => loadSpec(path.join(dir, "dup.yaml"))).toThrow(/dup\.yaml:2:\d+: YAML syntax error/);
    expect(() => loadSpec(path.join(dir, "ref.yaml"))).toThrow(/ref\.yaml:2:\d+: \$ref target not found: .*other\.yaml#\/Nope/);
    expect(() => loadSpec(path.join(dir, "gone.yaml"))).toThrow(/gone\.yaml:2:\d+: \$ref '\.\/missing\.yaml': cannot read .*missing\.yaml: file not found/);
    expect(() => loadSpec(path.join(dir, "cycle.yaml"))).toThrow(/circular \$ref/);
    expect(() => loadSpec(path.join(dir, "absent.yaml"))).toThrow(/cannot read .*absent\.yaml: file not found/);
  });

  it("reads JSON with line numbers too", () => {
    const dir = folder({ "a.json": '{\n  "swagger": "2.0",\n  "paths": {\n    "/x": {}\n  }\n}\n' });
    const spec = loadSpec(path.join(dir, "a.json"));
    expect(spec.locate("/paths/~1x")).toMatchObject({ line: 4 });
  });

  it("reads JSON packages without following refs to other files when told to keep them", () => {
    const dir = folder({ "a.json": '{"x": {"$ref": "./b.json#/X"}}', "b.json": '{"X": 1}' });
    expect(loadSpec(path.join(dir, "a.json"), { externalRefs: "keep" }).value).toEqual({ x: { $ref: "./b.json#/X" } });
    expect(loadSpec(path.join(dir, "a.json")).value).toEqual({ x: 1 });
  });
});

/** The SpecLoadError `load` throws; fails the test when it throws nothing or something else. */
function loadError(file: string): SpecLoadError {
  try {
    loadSpec(file);
  } catch (error) {
    if (error instanceof SpecLoadError) return error;
    throw error;
  }
  throw new Error(`${file} loaded without an error`);
}

// S1 (issue 9): a $ref could read any file on the machine and bake it into the package.
describe("loadSpec reads $ref targets only inside the connector folder", () => {
  /** A connector folder two levels below a folder that holds a secret, with the definition's one $ref. */
  function connectorWithRef(ref: string, extra: Record<string, string> = {}): { dir: string; file: string } {
    const outer = mkdtempSync(path.join(tmpdir(), "fno-spec-outer-"));
    writeFileSync(path.join(outer, "secret.txt"), "AZURE_CLIENT_SECRET: hunter2\n");
    const dir = path.join(outer, "repo", "connector");
    mkdirSync(dir, { recursive: true });
    const file = path.join(dir, "apiDefinition.yaml");
    writeFileSync(file, `swagger: '2.0'\ndefinitions:\n  Leak:\n    $ref: '${ref}'\n`);
    for (const [name, text] of Object.entries(extra)) writeFileSync(path.join(dir, name), text);
    return { dir, file };
  }

  it("refuses an absolute path such as /etc/passwd, naming the file, line and $ref", () => {
    const { file } = connectorWithRef("/etc/passwd");
    const error = loadError(file);
    expect(error.kind).toBe("ref");
    expect(error.position).toMatchObject({ file, line: 4 });
    expect(error.message).toContain(`${file}:4:`);
    expect(error.message).toContain(`$ref '/etc/passwd' is outside the connector folder`);
  });

  it("refuses ../../secret.txt, a file outside the folder", () => {
    const { file } = connectorWithRef("../../secret.txt#/AZURE_CLIENT_SECRET");
    const error = loadError(file);
    expect(error.message).toMatch(/apiDefinition\.yaml:4:\d+: \$ref '\.\.\/\.\.\/secret\.txt#\/AZURE_CLIENT_SECRET' is outside the connector folder/);
    expect(error.message).not.toContain("hunter2");
  });

  it("refuses a symlink inside the folder that points outside it", () => {
    const { dir, file } = connectorWithRef("./schemas.yaml");
    symlinkSync(path.join(dir, "..", "..", "secret.txt"), path.join(dir, "schemas.yaml"));
    expect(loadError(file).message).toMatch(/apiDefinition\.yaml:4:\d+: \$ref '\.\/schemas\.yaml' is outside the connector folder .*secret\.txt/);
  });

  it("follows a symlink that stays inside the folder", () => {
    const { dir, file } = connectorWithRef("./link.yaml#/X", { "real.yaml": "X: { type: string }\n" });
    symlinkSync(path.join(dir, "real.yaml"), path.join(dir, "link.yaml"));
    expect(loadSpec(file).value).toEqual({ swagger: "2.0", definitions: { Leak: { type: "string" } } });
  });

  it("refuses /dev/zero without reading it", () => {
    const { file } = connectorWithRef("/dev/zero");
    expect(loadError(file).message).toContain("$ref '/dev/zero' is outside the connector folder");
  });

  it("refuses a device, a FIFO or a folder inside the folder: only regular files are read", () => {
    const { dir, file } = connectorWithRef("./pipe");
    execFileSync("mkfifo", [path.join(dir, "pipe")]);
    expect(loadError(file).message).toMatch(/apiDefinition\.yaml:4:\d+: \$ref '\.\/pipe': .*pipe is not a regular file/);
    const sub = connectorWithRef("./sub");
    mkdirSync(path.join(sub.dir, "sub"));
    expect(loadError(sub.file).message).toMatch(/\$ref '\.\/sub': .*sub is not a regular file/);
    const device = connectorWithRef("./zero");
    symlinkSync("/dev/zero", path.join(device.dir, "zero"));
    expect(loadError(device.file).message).toContain("$ref './zero' is outside the connector folder");
  });

  it("refuses a file larger than the limit, naming its size and the limit", () => {
    const big = `X: "${"x".repeat(maxSourceFileBytes)}"\n`;
    const { file } = connectorWithRef("./big.yaml#/X", { "big.yaml": big });
    expect(loadError(file).message).toMatch(
      new RegExp(`apiDefinition\\.yaml:4:\\d+: \\$ref '\\./big\\.yaml#/X': .*big\\.yaml is more than ${maxSourceFileBytes} bytes, the limit for a source file`),
    );
  });
});

// C2 and M3 (issue 9): aliases expanded without limit, and a self-reference overflowed the stack.
describe("loadSpec bounds YAML alias expansion", () => {
  it("stops a billion-laughs document with an error naming the file and line", () => {
    const levels = ["a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]"];
    for (let i = 1; i < 9; i++) levels.push(`${"abcdefghi"[i]}: &${"abcdefghi"[i]} [${Array(9).fill(`*${"abcdefghi"[i - 1]}`).join(", ")}]`);
    const dir = folder({ "laughs.yaml": levels.join("\n") + "\n" });
    const error = loadError(path.join(dir, "laughs.yaml"));
    expect(error.kind).toBe("syntax");
    expect(error.message).toMatch(new RegExp(`laughs\\.yaml:\\d+:\\d+: .*more than ${maxLoadedValues} values`));
  });

  it("refuses an alias inside the node it names, naming the line", () => {
    const dir = folder({ "self.yaml": "swagger: '2.0'\na: &x\n  b: *x\n" });
    const error = loadError(path.join(dir, "self.yaml"));
    expect(error.message).toMatch(/self\.yaml:3:\d+: alias \*x refers to a node that contains it/);
  });

  it("still expands ordinary aliases", () => {
    const dir = folder({ "ok.yaml": "a: &p { type: string }\nb: *p\nc: [*p, *p]\n" });
    expect(loadSpec(path.join(dir, "ok.yaml")).value).toEqual({ a: { type: "string" }, b: { type: "string" }, c: [{ type: "string" }, { type: "string" }] });
  });
});
