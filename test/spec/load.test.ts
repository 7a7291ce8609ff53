import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { loadSpec, SpecLoadError } from "../../src/spec/load.ts";

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
    expect(() => loadSpec(path.join(dir, "gone.yaml"))).toThrow(/gone\.yaml:2:\d+: cannot read .*missing\.yaml: file not found/);
    expect(() => loadSpec(path.join(dir, "cycle.yaml"))).toThrow(/circular \$ref/);
    expect(() => loadSpec(path.join(dir, "absent.yaml"))).toThrow(/cannot read .*absent\.yaml: file not found/);
  });

  it("reads JSON with line numbers too", () => {
    const dir = folder({ "a.json": '{\n  "swagger": "2.0",\n  "paths": {\n    "/x": {}\n  }\n}\n' });
    const spec = loadSpec(path.join(dir, "a.json"));
    expect(spec.locate("/paths/~1x")).toMatchObject({ line: 4 });
  });
});
