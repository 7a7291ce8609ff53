import { describe, expect, it } from "vitest";
import { packSolution } from "../../src/solution/index.ts";
import { childElements, findChild, parseXml, type XmlElement } from "../../src/solution/xml.ts";
import { hasShared } from "../support/shared.ts";
import { childNames, compiledConnector, entry, realExportEntries, realExports, solutionSource } from "./support.ts";

/**
 * Our package has the shape of the real exports: same root files, same element names in the same order
 * in solution.xml and customizations.xml, same Connector/ file naming. EX-A (two connectors, 2025) is
 * the closest model; EX-B adds a flow and a canvas app.
 */
describe.skipIf(!hasShared)("package structure against the real exports", async () => {
  const ours = packSolution(compiledConnector(), { source: solutionSource(), packageType: "unmanaged", part: "connector" });
  const exA = hasShared ? await realExportEntries(realExports.twoConnectors) : new Map<string, Buffer>();
  const exB = hasShared ? await realExportEntries(realExports.connectorFlowCanvasApp) : new Map<string, Buffer>();
  const xml = (entries: Map<string, Buffer>, name: string): XmlElement => parseXml(entry(entries, name), name);
  const rootFiles = (entries: Map<string, Buffer>) => [...entries.keys()].filter((n) => !n.includes("/"));

  it("has the same root files, in the same order", () => {
    expect(rootFiles(ours)).toEqual(rootFiles(exA));
    expect(rootFiles(ours)).toEqual(rootFiles(exB));
  });

  it("has solution.xml's manifest and publisher elements in the real order", () => {
    const manifest = (e: Map<string, Buffer>) => findChild(xml(e, "solution.xml"), "SolutionManifest")!;
    expect(childNames(manifest(ours))).toEqual(childNames(manifest(exA)));
    const publisher = (e: Map<string, Buffer>) => findChild(manifest(e), "Publisher")!;
    expect(childNames(publisher(ours))).toEqual(childNames(publisher(exA)));
    const addresses = (e: Map<string, Buffer>) => childElements(findChild(publisher(e), "Addresses")!).map(childNames);
    expect(addresses(ours)).toEqual(addresses(exA));
  });

  it("lists the connector as a type-372 root component, as EX-A does", () => {
    const roots = (e: Map<string, Buffer>) =>
      childElements(findChild(findChild(xml(e, "solution.xml"), "SolutionManifest")!, "RootComponents")!);
    const [connector] = roots(ours);
    expect(roots(ours)).toHaveLength(1);
    expect(Object.keys(connector!.attributes)).toEqual(Object.keys(roots(exA)[0]!.attributes));
    expect(connector!.attributes).toMatchObject({ type: "372", behavior: "0" });
  });

  it("has customizations.xml's sections in the real order: EX-A's for the connector solution, connectionreferences before Languages in the flows solution", () => {
    // EX-A, two connectors and nothing that uses them, is the connector solution's model.
    expect(childNames(xml(ours, "customizations.xml"))).toEqual(childNames(xml(exA, "customizations.xml")));
    // The flows solution: the same sections, then connectionreferences where EX-E/EX-F and the CoE kit put it.
    const flows = packSolution(compiledConnector(), { source: solutionSource(), packageType: "unmanaged", part: "flows" });
    expect(childNames(xml(flows, "customizations.xml"))).toEqual([
      ...childNames(xml(exA, "customizations.xml")).filter((s) => s !== "Languages"),
      "connectionreferences",
      "Languages",
    ]);
  });

  it("has the <Connector> children of EX-A and EX-B, in their order", () => {
    const connector = (e: Map<string, Buffer>) => childElements(findChild(xml(e, "customizations.xml"), "Connectors")!, "Connector")[0]!;
    expect(childNames(connector(ours))).toEqual(childNames(connector(exA)));
    expect(childNames(connector(ours))).toEqual(childNames(connector(exB)));
  });

  it("names the Connector/ files <name>_<kind>.<ext> like the real exports", () => {
    const kinds = (e: Map<string, Buffer>) => {
      const connector = childElements(findChild(xml(e, "customizations.xml"), "Connectors")!, "Connector")[0]!;
      const name = findChild(connector, "name")!.children.map((c) => ("text" in c ? c.text : "")).join("");
      return [...e.keys()]
        .filter((n) => n.startsWith(`Connector/${name}_`))
        .map((n) => n.slice(`Connector/${name}_`.length));
    };
    expect(kinds(ours)).toEqual(kinds(exA));
  });

  it("writes [Content_Types].xml as EX-A does for the same extensions", () => {
    expect(entry(ours, "[Content_Types].xml").toString("utf8")).toBe(
      entry(exA, "[Content_Types].xml").toString("utf8").replace(/ \/>/g, "/>"),
    );
  });
});
