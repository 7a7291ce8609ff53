import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { stringify } from "yaml";
import { SpecLoadError } from "../../src/spec/load.ts";
import { compileConnector } from "../../src/compile/index.ts";
import { validateDirectory, validateDocuments, type Finding } from "../../src/validate/index.ts";
import { swaggerSchema } from "../../src/validate/rules/swagger-schema.ts";
import { repoRoot } from "../support/shared.ts";
import { connector, type Docs } from "./fixtures.ts";
import { testConfig } from "../support/config.ts";

function folder(files: Record<string, string>): string {
  const dir = mkdtempSync(path.join(tmpdir(), "fno-validate-"));
  for (const [name, text] of Object.entries(files)) writeFileSync(path.join(dir, name), text);
  return dir;
}

/** The docs as a source folder (YAML) or a package folder (indented JSON, as the compiler writes it). */
function sourceFolder(docs: Docs): string {
  return folder({ "apiDefinition.yaml": stringify(docs.definition), "apiProperties.yaml": stringify(docs.properties) });
}
function packageFolder(docs: Docs): string {
  return folder({
    "apiDefinition.swagger.json": JSON.stringify(docs.definition, null, 2),
    "apiProperties.json": JSON.stringify(docs.properties, null, 2),
  });
}

function thrown(run: () => unknown): unknown {
  try {
    run();
  } catch (error) {
    return error;
  }
  throw new Error("expected an error");
}

/** The schema rule's findings on one operation's parameter list. */
function schemaFindings(parameter: object) {
  const docs = connector((d) => d.definition.paths["/orders"].post.parameters.push(parameter));
  return [...swaggerSchema.check(docs)].map(({ pointer, message }) => ({ pointer, message }));
}

describe("swagger-schema reports the branch a oneOf meant, not every branch", () => {
  const at = "/paths/~1orders/post/parameters/1";

  it.each([
    [
      "a path parameter that is optional",
      { name: "id", in: "path", type: "string", required: false },
      [{ pointer: `${at}/required`, message: "'required' must be one of: true" }],
    ],
    [
      "a body parameter without a schema",
      { name: "note", in: "body" },
      [{ pointer: at, message: "'parameters[1]' is missing required property 'schema'" }],
    ],
    [
      "a query parameter with a misspelt type",
      { name: "q", in: "query", type: "strng" },
      [{ pointer: `${at}/type`, message: `'type' must be one of: "string", "number", "boolean", "integer", "array"` }],
    ],
    [
      "a parameter in an unknown location",
      { name: "c", in: "cookie", type: "string" },
      [{ pointer: `${at}/in`, message: `'in' must be one of: "body", "header", "formData", "query", "path"` }],
    ],
    [
      "a $ref with a sibling",
      { $ref: "#/parameters/x", description: "no siblings in Swagger 2.0" },
      [{ pointer: `${at}/description`, message: "'description' is not allowed here by Swagger 2.0" }],
    ],
  ])("%s", (_, parameter, expected) => {
    expect(schemaFindings(parameter)).toEqual(expected);
  });

  it("explains nested oneOfs (a response, then its schema)", () => {
    const docs = connector((d) => (d.definition.paths["/orders"].post.responses["201"] = { description: "x", schema: { type: "strng" } }));
    expect([...swaggerSchema.check(docs)]).toEqual([
      {
        pointer: "/paths/~1orders/post/responses/201/schema/type",
        message: `'type' must be one of: "array", "boolean", "integer", "null", "number", "object", "string"`,
        document: "apiDefinition",
      },
    ]);
  });
});

describe("host and basePath are judged once, by host-base-path, in plain words", () => {
  it.each([
    ["/host", "https://contoso.example.com/api", `host "https://contoso.example.com/api" must be a bare host name with an optional port: no scheme, path or braces (e.g. 'contoso.com')`],
    ["/basePath", "api", `basePath "api" must start with '/'`],
  ])("%s", (pointer, value, message) => {
    const docs = connector((d) => (d.definition[pointer.slice(1)] = value));
    expect(validateDocuments(docs)).toEqual([{ rule: "host-base-path", severity: "error", pointer, message, document: "apiDefinition" }]);
  });
});

describe("validateDocuments", () => {
  it.each([
    ["nothing", null, null],
    ["a list", [], []],
    ["wrong types everywhere", { swagger: "2.0", info: 1, paths: { "/a": { get: { parameters: "x", responses: [] } } } }, { properties: { connectionParameters: [], policyTemplateInstances: {} } }],
    ["a dangling and a malformed $ref", { swagger: "2.0", definitions: { A: { $ref: "#/definitions/%E0%A4%A" } } }, undefined],
  ])("reports %s as findings instead of failing", (_, definition, properties) => {
    const findings = validateDocuments({ definition, properties });
    expect(findings.some((f) => f.rule === "document-structure" && f.severity === "error")).toBe(true);
  });

  it("puts the file and line from the locators on each finding, in source order", () => {
    const docs = connector((d) => {
      d.definition.info.title = "C".repeat(31);
      d.definition.paths["/orders/{orderId}"].get.summary = "Get/read an order";
    });
    const lines: Record<string, number> = { "/info/title": 9, "/paths/~1orders~1{orderId}/get/summary": 4 };
    const findings = validateDocuments(docs, { apiDefinition: (pointer) => ({ file: "def.yaml", line: lines[pointer] ?? 1, column: 1 }) });
    expect(findings.map((f: Finding) => [f.rule, f.file, f.line])).toEqual([
      ["operation-summary-characters", "def.yaml", 4],
      ["info-title-length", "def.yaml", 9],
    ]);
  });

  it("leaves file and line out when no locator is given", () => {
    const [finding] = validateDocuments(connector((d) => (d.definition.info.title = "C".repeat(31))));
    expect(finding).toEqual({
      rule: "info-title-length",
      severity: "error",
      message: `info.title '${"C".repeat(31)}' has 31 characters; at most 30 are allowed`,
      pointer: "/info/title",
      document: "apiDefinition",
    });
  });
});

describe("validateDirectory", () => {
  it("passes our own connector source", () => {
    const report = validateDirectory(path.join(repoRoot, "connector"));
    expect(report.findings.filter((f) => f.severity === "error")).toEqual([]);
    expect(report.layout).toBe("source");
  });

  it("passes the package the compiler makes of our connector", () => {
    const { connector: compiled } = compileConnector(path.join(repoRoot, "connector"), testConfig);
    const dir = folder({
      "apiDefinition.swagger.json": compiled.files.get("apiDefinition.swagger.json")!.toString(),
      "apiProperties.json": compiled.files.get("apiProperties.json")!.toString(),
    });
    const report = validateDirectory(dir);
    expect(report.layout).toBe("package");
    expect(report.findings.filter((f) => f.severity === "error")).toEqual([]);
  });

  it("points an unknown #/definitions reference at the line of its $ref, in a source folder and in a package", () => {
    const docs = connector((d) => (d.definition.paths["/orders"].post.responses["201"].schema = { $ref: "#/definitions/Ordr" }));
    for (const dir of [sourceFolder(docs), packageFolder(docs)]) {
      const report = validateDirectory(dir);
      expect(report.errorCount).toBe(1);
      const [finding] = report.findings;
      expect(finding).toMatchObject({ rule: "ref-resolves", pointer: "/paths/~1orders/post/responses/201/schema/$ref" });
      const lines = readFileSync(finding!.file!, "utf8").split("\n");
      expect(lines[finding!.line! - 1]).toContain("#/definitions/Ordr");
    }
  });

  it("counts errors and warnings", () => {
    const report = validateDirectory(
      packageFolder(
        connector((d) => {
          d.definition.info.title = "C".repeat(31);
          delete d.definition.paths["/orders"].post.responses["201"].schema;
        }),
      ),
    );
    expect([report.errorCount, report.warningCount]).toEqual([1, 1]);
  });

  it("refuses a missing folder, a folder without a connector, and a missing apiProperties file", () => {
    const missing = thrown(() => validateDirectory(path.join(tmpdir(), "no-such-connector-folder")));
    expect(missing).toBeInstanceOf(SpecLoadError);
    expect((missing as SpecLoadError).message).toMatch(/folder not found/);

    const empty = thrown(() => validateDirectory(folder({ "readme.md": "" })));
    expect((empty as SpecLoadError).message).toMatch(/has no apiDefinition\.yaml or apiDefinition\.swagger\.json/);

    const half = folder({ "apiDefinition.swagger.json": JSON.stringify(connector().definition) });
    const noProperties = thrown(() => validateDirectory(half));
    expect(noProperties).toMatchObject({ kind: "io" });
    expect((noProperties as SpecLoadError).message).toContain(path.join(half, "apiProperties.json"));
  });

  it("reports a JSON syntax error in a package with file, line and column", () => {
    const dir = folder({ "apiDefinition.swagger.json": '{\n  "swagger": "2.0",\n  "info": {\n    "title": "x"\n    "version": "1"\n  }\n}\n', "apiProperties.json": "{}" });
    const error = thrown(() => validateDirectory(dir)) as SpecLoadError;
    expect(error.kind).toBe("syntax");
    expect(error.position).toMatchObject({ file: path.join(dir, "apiDefinition.swagger.json"), line: 5 });
  });
});
