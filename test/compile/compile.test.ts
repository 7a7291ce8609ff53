import { existsSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { compileConnector } from "../../src/compile/index.ts";
import { configurationHelp, placeholderConfig, readBuildConfig, unconfiguredSignIn } from "../../src/compile/config.ts";
import { outputMarker, writeFolderAtomically } from "../../src/compile/write.ts";
import { testConfig as config } from "../support/config.ts";
import { repoRoot } from "../support/shared.ts";

const source = path.join(repoRoot, "connector");

describe("compileConnector", () => {
  it("is byte-for-byte deterministic", () => {
    const a = compileConnector(source, config).connector.files;
    const b = compileConnector(source, config).connector.files;
    expect([...a.keys()]).toEqual(["apiDefinition.swagger.json", "apiProperties.json", "icon.png", "settings.json"]);
    for (const [name, bytes] of a) expect(bytes.equals(b.get(name)!), name).toBe(true);
  });

  it("inlines schemas.yaml, keeps local refs, and writes the client ID and default resource from configuration", () => {
    const { connector } = compileConnector(source, config);
    const definition = connector.definition as { definitions: Record<string, { $ref?: string; properties?: object }> };
    expect(definition.definitions.DequeueMessage?.properties).toHaveProperty("PopReceipt");
    expect(JSON.stringify(connector.definition)).not.toContain("schemas.yaml");
    const props = JSON.parse(connector.files.get("apiProperties.json")!.toString()) as {
      properties: { connectionParameters: { token: { oAuthSettings: { clientId: string; properties: Record<string, unknown> } } } };
    };
    const oauth = props.properties.connectionParameters.token.oAuthSettings as unknown as {
      clientId: string;
      properties: Record<string, unknown>;
      customParameters: Record<string, { value: string }>;
    };
    expect(oauth.clientId).toBe(config.clientId);
    expect(oauth.properties.AzureActiveDirectoryResourceId).toBe(config.resourceUri);
    expect(oauth.customParameters.resourceUri?.value).toBe(config.resourceUri);
    // No {{…}} of any kind reaches the package: Power Platform has no such templates.
    expect(connector.files.get("apiProperties.json")!.toString()).not.toMatch(/\{\{|<<|\[\[|@@/);
    expect(connector.files.get("icon.png")!.subarray(1, 4).toString()).toBe("PNG");
  });
});

describe("readBuildConfig", () => {
  it("prefers the environment, then connector.local.json, then the placeholder, value by value", () => {
    const dir = mkdtempSync(path.join(tmpdir(), "fno-config-"));
    expect(readBuildConfig(dir, {})).toEqual(placeholderConfig);
    writeFileSync(path.join(dir, "connector.local.json"), JSON.stringify({ clientId: "AAAAAAAA-2222-3333-4444-555555555555" }));
    expect(readBuildConfig(dir, {})).toEqual({
      ...placeholderConfig,
      clientId: "aaaaaaaa-2222-3333-4444-555555555555",
      sources: { clientId: "connector.local.json", resourceUri: "placeholder" },
    });
    const both = readBuildConfig(dir, { FNO_CONNECTOR_CLIENT_ID: config.clientId, FNO_CONNECTOR_RESOURCE_URI: "https://Contoso.operations.dynamics.com" });
    expect(both).toEqual({ clientId: config.clientId, resourceUri: "https://contoso.operations.dynamics.com", sources: { clientId: "environment", resourceUri: "environment" } });
  });

  it("refuses a malformed value instead of falling back, naming where it came from", () => {
    const dir = mkdtempSync(path.join(tmpdir(), "fno-config-"));
    expect(() => readBuildConfig(dir, { FNO_CONNECTOR_CLIENT_ID: "my-app" })).toThrow(/FNO_CONNECTOR_CLIENT_ID: "my-app" is not an application/);
    for (const bad of ["http://contoso.operations.dynamics.com", "https://contoso.operations.dynamics.com/", "https://contoso.operations.dynamics.com/data", "contoso"]) {
      expect(() => readBuildConfig(dir, { FNO_CONNECTOR_RESOURCE_URI: bad }), bad).toThrow(/FNO_CONNECTOR_RESOURCE_URI: .* is not an environment URL/);
    }
    writeFileSync(path.join(dir, "connector.local.json"), JSON.stringify({ resourceUri: 42 }));
    expect(() => readBuildConfig(dir, {})).toThrow(/connector\.local\.json: "resourceUri" must be a string/);
  });
});

describe("unconfiguredSignIn", () => {
  const parameters = (c: typeof config) =>
    (JSON.parse(compileConnector(source, c).connector.files.get("apiProperties.json")!.toString()) as { properties: { connectionParameters: unknown } })
      .properties.connectionParameters;

  it("names the placeholders a package still carries, and says how to set them", () => {
    expect(unconfiguredSignIn(parameters(placeholderConfig))).toEqual(["clientId", "resourceUri"]);
    expect(unconfiguredSignIn(parameters({ ...config, resourceUri: placeholderConfig.resourceUri }))).toEqual(["resourceUri"]);
    expect(unconfiguredSignIn(parameters(config))).toEqual([]);
    const help = configurationHelp(["clientId", "resourceUri"]);
    expect(help).toContain("FNO_CONNECTOR_CLIENT_ID=");
    expect(help).toContain("FNO_CONNECTOR_RESOURCE_URI=");
    expect(help).toContain("connector.local.json");
  });

  it("refuses a {{…}} that is not a build placeholder, with file and line", () => {
    const dir = mkdtempSync(path.join(tmpdir(), "fno-source-"));
    for (const name of ["apiDefinition.yaml", "schemas.yaml", "icon.png"]) writeFileSync(path.join(dir, name), readFileSync(path.join(source, name)));
    const properties = readFileSync(path.join(source, "apiProperties.yaml"), "utf8").replace('value: "{{resourceUri}}"', 'value: "{{ resourceUri }}"');
    writeFileSync(path.join(dir, "apiProperties.yaml"), properties);
    expect(() => compileConnector(dir, config)).toThrow(/apiProperties\.yaml:\d+:\d+: "\{\{ resourceUri \}\}" at \/properties\/connectionParameters\/token\/oAuthSettings\/customParameters\/resourceUri\/value is not a build placeholder/);
  });
});

describe("writeFolderAtomically", () => {
  it("replaces the folder whole, and leaves it untouched when a write fails", () => {
    const parent = mkdtempSync(path.join(tmpdir(), "fno-write-"));
    const out = path.join(parent, "connector");
    writeFolderAtomically(out, new Map([["a.json", Buffer.from("1")], ["b.json", Buffer.from("2")]]));
    writeFolderAtomically(out, new Map([["a.json", Buffer.from("3")]]));
    expect(readdirSync(out)).toEqual([outputMarker, "a.json"]);
    expect(readFileSync(path.join(out, "a.json"), "utf8")).toBe("3");

    expect(() => writeFolderAtomically(out, new Map([["ok.json", Buffer.from("x")], ["../escape.json", Buffer.from("y")]]))).toThrow(/outside/);
    expect(readFileSync(path.join(out, "a.json"), "utf8")).toBe("3");
    expect(existsSync(path.join(parent, "escape.json"))).toBe(false);
    expect(readdirSync(parent)).toEqual(["connector"]);
  });
});
