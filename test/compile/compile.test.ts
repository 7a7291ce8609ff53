import { existsSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { compileConnector } from "../../src/compile/index.ts";
import { readBuildConfig, placeholderClientId } from "../../src/compile/config.ts";
import { writeFolderAtomically } from "../../src/compile/write.ts";
import { repoRoot } from "../support/shared.ts";

const source = path.join(repoRoot, "connector");
const config = { clientId: "11111111-2222-3333-4444-555555555555", clientIdSource: "FNO_CONNECTOR_CLIENT_ID" } as const;

describe("compileConnector", () => {
  it("is byte-for-byte deterministic", () => {
    const a = compileConnector(source, config).connector.files;
    const b = compileConnector(source, config).connector.files;
    expect([...a.keys()]).toEqual(["apiDefinition.swagger.json", "apiProperties.json", "icon.png", "settings.json"]);
    for (const [name, bytes] of a) expect(bytes.equals(b.get(name)!), name).toBe(true);
  });

  it("inlines schemas.yaml, keeps local refs, and writes the client ID from configuration", () => {
    const { connector } = compileConnector(source, config);
    const definition = connector.definition as { definitions: Record<string, { $ref?: string; properties?: object }> };
    expect(definition.definitions.DequeueMessage?.properties).toHaveProperty("PopReceipt");
    expect(JSON.stringify(connector.definition)).not.toContain("schemas.yaml");
    const props = JSON.parse(connector.files.get("apiProperties.json")!.toString()) as {
      properties: { connectionParameters: { token: { oAuthSettings: { clientId: string; properties: Record<string, unknown> } } } };
    };
    const oauth = props.properties.connectionParameters.token.oAuthSettings;
    expect(oauth.clientId).toBe(config.clientId);
    // The platform's own per-connection placeholder is not a build placeholder.
    expect(oauth.properties.AzureActiveDirectoryResourceId).toBe("{{ resourceUri }}");
    expect(connector.files.get("icon.png")!.subarray(1, 4).toString()).toBe("PNG");
  });
});

describe("readBuildConfig", () => {
  it("prefers the environment, then connector.local.json, then the placeholder", () => {
    const dir = mkdtempSync(path.join(tmpdir(), "fno-config-"));
    expect(readBuildConfig(dir, {})).toEqual({ clientId: placeholderClientId, clientIdSource: "placeholder" });
    writeFileSync(path.join(dir, "connector.local.json"), JSON.stringify({ clientId: "AAAAAAAA-2222-3333-4444-555555555555" }));
    expect(readBuildConfig(dir, {})).toEqual({ clientId: "aaaaaaaa-2222-3333-4444-555555555555", clientIdSource: "connector.local.json" });
    expect(readBuildConfig(dir, { FNO_CONNECTOR_CLIENT_ID: config.clientId }).clientIdSource).toBe("FNO_CONNECTOR_CLIENT_ID");
    expect(() => readBuildConfig(dir, { FNO_CONNECTOR_CLIENT_ID: "my-app" })).toThrow(/FNO_CONNECTOR_CLIENT_ID: "my-app" is not an application/);
  });
});

describe("writeFolderAtomically", () => {
  it("replaces the folder whole, and leaves it untouched when a write fails", () => {
    const parent = mkdtempSync(path.join(tmpdir(), "fno-write-"));
    const out = path.join(parent, "connector");
    writeFolderAtomically(out, new Map([["a.json", Buffer.from("1")], ["b.json", Buffer.from("2")]]));
    writeFolderAtomically(out, new Map([["a.json", Buffer.from("3")]]));
    expect(readdirSync(out)).toEqual(["a.json"]);
    expect(readFileSync(path.join(out, "a.json"), "utf8")).toBe("3");

    expect(() => writeFolderAtomically(out, new Map([["ok.json", Buffer.from("x")], ["../escape.json", Buffer.from("y")]]))).toThrow(/outside/);
    expect(readFileSync(path.join(out, "a.json"), "utf8")).toBe("3");
    expect(existsSync(path.join(parent, "escape.json"))).toBe(false);
    expect(readdirSync(parent)).toEqual(["connector"]);
  });
});
