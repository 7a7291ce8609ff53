import { cpSync, existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it, vi } from "vitest";
import { runCli } from "../../src/cli/program.ts";
import { packSolution, SolutionError } from "../../src/solution/index.ts";
import { checkConnectorSeparation } from "../../src/solution/separation.ts";
import { childElements, findChild, parseXml, serializeXml } from "../../src/solution/xml.ts";
import { compiledConnector, entry, solutionDir, solutionSource } from "./support.ts";

/**
 * Microsoft documents that a solution holding a custom connector and a connection reference or flow that
 * uses it fails to import. The packer refuses to produce one, whatever the source says.
 */
const connector = compiledConnector();
const source = solutionSource();
const connectorZip = packSolution(connector, { source, packageType: "unmanaged", part: "connector" });
const flowsZip = packSolution(connector, { source, packageType: "unmanaged", part: "flows" });

/** The connector solution with the flows solution's connection references (and optionally its flow) merged in. */
function merged(options: { references: boolean; flow: boolean }): Map<string, Buffer> {
  const entries = new Map(connectorZip);
  const ours = parseXml(entry(connectorZip, "customizations.xml"), "customizations.xml");
  const theirs = parseXml(entry(flowsZip, "customizations.xml"), "customizations.xml");
  if (options.references) ours.children.push(findChild(theirs, "connectionreferences")!);
  if (options.flow) {
    findChild(ours, "Workflows")!.children.push(...childElements(findChild(theirs, "Workflows")!));
    for (const [name, bytes] of flowsZip) if (name.startsWith("Workflows/")) entries.set(name, bytes);
  }
  entries.set("customizations.xml", serializeXml(ours, "export"));
  return entries;
}

describe("checkConnectorSeparation", () => {
  it("accepts the connector solution and the flows solution as built", () => {
    expect(() => checkConnectorSeparation(connectorZip, "connector.zip")).not.toThrow();
    expect(() => checkConnectorSeparation(flowsZip, "flows.zip")).not.toThrow();
  });

  it("refuses a zip holding the connector and a connection reference to it", () => {
    expect(() => checkConnectorSeparation(merged({ references: true, flow: false }), "both.zip")).toThrow(SolutionError);
    expect(() => checkConnectorSeparation(merged({ references: true, flow: false }), "both.zip")).toThrow(
      /both\.zip: holds a custom connector and what uses it \(connection reference "fnori_FnoRecurringIntegrations" uses connector fnori_5Ff-26o-20recurring-20integrations\)/,
    );
  });

  it("refuses a zip holding the connector and a flow that uses it, even without the reference", () => {
    expect(() => checkConnectorSeparation(merged({ references: false, flow: true }), "both.zip")).toThrow(/flow "Email F&O export packages \(sample\)" uses connector/);
  });

  it("finds a reference by its API name too, with an environment's suffix, when customconnectorid is absent", () => {
    const entries = merged({ references: true, flow: false });
    const text = entry(entries, "customizations.xml")
      .toString("utf8")
      .replace(/<customconnectorid>[\s\S]*?<\/customconnectorid>/, "")
      .replace("shared_fnori-5ff-26o-20recurring-20integrations<", "shared_fnori-5ff-26o-20recurring-20integrations-5f0123456789abcdef<");
    entries.set("customizations.xml", Buffer.from(text, "utf8"));
    expect(() => checkConnectorSeparation(entries, "both.zip")).toThrow(/connection reference "fnori_FnoRecurringIntegrations" uses connector/);
  });
});

describe("build with a connector solution source that holds a connection reference", () => {
  it("exits 1 naming the file, and writes neither the connector package nor any solution zip", async () => {
    const work = mkdtempSync(path.join(tmpdir(), "fno-separation-"));
    const source = path.join(work, "solution");
    cpSync(solutionDir, source, { recursive: true });
    const customizations = path.join(source, "Other", "Customizations.xml");
    const reference =
      '<connectionreferences><connectionreference connectionreferencelogicalname="fnori_FnoRecurringIntegrations">' +
      "<connectorid>/providers/Microsoft.PowerApps/apis/shared_fnori-5ff-26o-20recurring-20integrations</connectorid>" +
      "<customconnectorid><connectorid>4e61bbcd-e460-4805-a99f-2f71fe621ee8</connectorid></customconnectorid></connectionreference></connectionreferences>";
    writeFileSync(customizations, readFileSync(customizations, "utf8").replace("<Connectors />\n", `<Connectors />\n${reference}\n`));
    const stderr = vi.spyOn(process.stderr, "write").mockImplementation(() => true);
    const stdout = vi.spyOn(process.stdout, "write").mockImplementation(() => true);
    try {
      const code = await runCli(["build", "--solution", source, "--out", path.join(work, "connector"), "--solution-out", path.join(work, "zips")]);
      expect(code).toBe(1);
      expect(stderr.mock.calls.join("")).toContain("the connector solution must hold the connector only");
      expect(existsSync(path.join(work, "connector"))).toBe(false);
      expect(existsSync(path.join(work, "zips"))).toBe(false);
    } finally {
      stderr.mockRestore();
      stdout.mockRestore();
    }
  });
});
