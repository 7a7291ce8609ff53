import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync, mkdirSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { buildSolutionFiles, packSolution, writeSolution } from "../../src/solution/index.ts";
import { readZip, writeZip } from "../../src/zip/index.ts";
import { childElements, findChild, parseXml, textOf } from "../../src/solution/xml.ts";
import { compiledConnector, entry, solutionSource } from "./support.ts";

const connector = compiledConnector();
const source = solutionSource();
const name = "fnori_5Ff-26o-20recurring-20integrations";

describe("packSolution", () => {
  const entries = packSolution(connector, { source, packageType: "unmanaged", part: "connector" });

  it("carries the compiled connector's files unchanged", () => {
    const properties = JSON.parse(connector.files.get("apiProperties.json")!.toString("utf8")) as {
      properties: { connectionParameters: unknown; policyTemplateInstances: unknown };
    };
    expect(entry(entries, `Connector/${name}_openapidefinition.json`).equals(connector.files.get("apiDefinition.swagger.json")!)).toBe(true);
    expect(entry(entries, `Connector/${name}_iconblob.Png`).equals(connector.files.get("icon.png")!)).toBe(true);
    // Real exports store the bare connectionParameters object and the policy array (solution-format.md §1.4).
    expect(JSON.parse(entry(entries, `Connector/${name}_connectionparameters.json`).toString("utf8"))).toEqual(
      properties.properties.connectionParameters,
    );
    expect(JSON.parse(entry(entries, `Connector/${name}_policytemplateinstances.json`).toString("utf8"))).toEqual(
      properties.properties.policyTemplateInstances,
    );
  });

  it("describes the connector from the definition and the committed identity", () => {
    const customizations = parseXml(entry(entries, "customizations.xml"), "customizations.xml");
    const [element] = childElements(findChild(customizations, "Connectors")!, "Connector");
    const text = (child: string) => textOf(findChild(element!, child)!);
    expect(text("connectorid")).toBe(source.manifest.connector.id);
    expect(text("name")).toBe(name);
    expect(text("displayname")).toBe((connector.definition.info as { title: string }).title);
    expect(text("iconblob")).toBe(`/Connector/${name}_iconblob.Png`);
    for (const file of ["openapidefinition", "connectionparameters", "policytemplateinstances", "iconblob"]) {
      expect(entries.has(text(file).slice(1)), file).toBe(true);
    }
  });

  it("writes the root XML files as Dataverse exports do: no BOM or declaration, CRLF", () => {
    for (const file of ["solution.xml", "customizations.xml"]) {
      const text = entry(entries, file).toString("utf8");
      expect(text.startsWith("<ImportExportXml"), file).toBe(true);
      expect(text.replace(/\r\n/g, "")).not.toContain("\n");
    }
    expect(entry(entries, "[Content_Types].xml").subarray(0, 3).equals(Buffer.from([0xef, 0xbb, 0xbf]))).toBe(true);
  });

  it("makes the managed package differ only in <Managed>", () => {
    const managed = packSolution(connector, { source, packageType: "managed", part: "connector" });
    expect([...managed.keys()]).toEqual([...entries.keys()]);
    for (const [file, bytes] of entries) {
      if (file === "solution.xml") continue;
      expect(managed.get(file)!.equals(bytes), file).toBe(true);
    }
    const managedFlag = (e: Map<string, Buffer>) => /<Managed>(\d)<\/Managed>/.exec(entry(e, "solution.xml").toString())?.[1];
    expect([managedFlag(entries), managedFlag(managed)]).toEqual(["0", "1"]);
  });
});

describe("deterministic zips", () => {
  const savedTz = process.env.TZ;
  afterEach(() => {
    process.env.TZ = savedTz;
  });

  it("gives identical bytes for two builds, in any time zone", async () => {
    process.env.TZ = "UTC";
    const first = await buildSolutionFiles(connector, source);
    process.env.TZ = "Pacific/Auckland";
    const second = await buildSolutionFiles(connector, source);
    expect([...second.keys()]).toEqual([...first.keys()]);
    for (const [file, bytes] of first) expect(second.get(file)!.equals(bytes), file).toBe(true);
  });

  it("keeps the entry order it is given", async () => {
    const zip = await writeZip(new Map([["b.json", Buffer.from("{}")], ["a.xml", Buffer.from("<a/>")]]));
    expect([...(await readZip(zip, "test.zip")).keys()]).toEqual(["b.json", "a.xml"]);
  });
});

describe("writeSolution", () => {
  it("writes both packages of both solutions in import order, named like exports, and the unpacked folders", async () => {
    const out = path.join(mkdtempSync(path.join(tmpdir(), "fno-solution-")), "solution");
    const written = await writeSolution(connector, source, out);
    expect(written.map((f) => path.basename(f))).toEqual([
      "FnoRecurringIntegrations_1_0_0_0.zip",
      "FnoRecurringIntegrations_1_0_0_0_managed.zip",
      "FnoRecurringIntegrationsFlows_1_0_0_0.zip",
      "FnoRecurringIntegrationsFlows_1_0_0_0_managed.zip",
    ]);
    const zipped = await readZip(readFileSync(written[0]!), written[0]!);
    expect(zipped).toEqual(packSolution(connector, { source, packageType: "unmanaged", part: "connector" }));
    expect(existsSync(path.join(out, "FnoRecurringIntegrations", "Other", "Solution.xml"))).toBe(true);
    expect(existsSync(path.join(out, "FnoRecurringIntegrations", "Connectors", `${name}.xml`))).toBe(true);
    expect(existsSync(path.join(out, "FnoRecurringIntegrationsFlows", "Other", "Customizations.xml"))).toBe(true);
    expect(existsSync(path.join(out, "FnoRecurringIntegrationsFlows", "Connectors"))).toBe(false);
  });

  it("leaves the previous output untouched when packing fails", async () => {
    const out = path.join(mkdtempSync(path.join(tmpdir(), "fno-solution-")), "solution");
    mkdirSync(out);
    writeFileSync(path.join(out, "previous.zip"), "previous");
    const broken = { ...connector, files: new Map([...connector.files].filter(([file]) => file !== "icon.png")) };
    await expect(writeSolution(broken, source, out)).rejects.toThrow(/no icon\.png/);
    expect(readdirSync(out)).toEqual(["previous.zip"]);
    expect(readdirSync(path.dirname(out))).toEqual(["solution"]);
  });
});
