import { describe, expect, it } from "vitest";
import { packSolution, SolutionError } from "../../src/solution/index.ts";
import { checkConnectorSeparation } from "../../src/solution/separation.ts";
import { childElements, findChild, parseXml, serializeXml } from "../../src/solution/xml.ts";
import { compiledConnector, entry, solutionSource } from "./support.ts";

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
