import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { packSolution } from "../../src/solution/index.ts";
import { childElements, findChild, parseXml, type XmlElement } from "../../src/solution/xml.ts";
import { hasShared, referenceDir } from "../support/shared.ts";
import { childNames, compiledConnector, entry, solutionSource } from "./support.ts";

/**
 * Our two solutions against Microsoft's Business Approvals Kit (../shared/reference/solutions/approvals-kit,
 * MIT, see its SOURCE.md), Microsoft's own release of a custom connector in one solution (Office365Integration)
 * and the flows that use it in another (BusinessApprovalKit). Compared: what each solution holds, the
 * connection reference elements, the MissingDependencies entries for the connector taken from the other
 * solution, the flow JSON's connection references and actions, and the environment variable definitions.
 */
describe.skipIf(!hasShared)("the connector and flows solutions against Microsoft's Approvals Kit", () => {
  const kit = path.join(referenceDir, "solutions", "approvals-kit");
  const kitXml = (file: string): XmlElement => parseXml(readFileSync(path.join(kit, file)), file);
  const kitFlowsCustomizations = () => kitXml("BusinessApprovalKit/SolutionPackage/src/Other/Customizations.xml");
  const kitConnectorCustomizations = () => kitXml("Office365Integration/SolutionPackage/src/Other/Customizations.xml");
  const kitFlowsManifest = () => findChild(kitXml("BusinessApprovalKit/SolutionPackage/src/Other/Solution.xml"), "SolutionManifest")!;
  const kitFlow = () =>
    JSON.parse(
      readFileSync(path.join(kit, "BusinessApprovalKit/SolutionPackage/src/Workflows/BACoreChildGetUserMailboxSettings-A68E0A7E-37EC-EE11-904D-000D3A8EDEA8.json"), "utf8").replace(/^\uFEFF/, ""),
    ) as Flow;

  const connector = compiledConnector();
  const source = solutionSource();
  const connectorZip = packSolution(connector, { source, packageType: "unmanaged", part: "connector" });
  const flowsZip = packSolution(connector, { source, packageType: "unmanaged", part: "flows" });
  const xml = (entries: Map<string, Buffer>, name: string): XmlElement => parseXml(entry(entries, name), name);
  const references = (customizations: XmlElement): XmlElement[] => {
    const section = findChild(customizations, "connectionreferences");
    return section ? childElements(section, "connectionreference") : [];
  };
  const items = (customizations: XmlElement, section: string): XmlElement[] => childElements(findChild(customizations, section) ?? { name: section, attributes: {}, children: [] });

  interface Flow {
    properties: {
      connectionReferences: Record<string, { runtimeSource: string; connection: Record<string, string>; api: Record<string, string> }>;
      definition: { actions: Record<string, unknown> };
    };
  }

  it("the connector solution holds the connector and no connection reference or flow, like Office365Integration", () => {
    const ours = xml(connectorZip, "customizations.xml");
    expect(items(ours, "Connectors")).toHaveLength(1);
    expect(references(ours)).toEqual([]);
    expect(items(ours, "Workflows")).toEqual([]);
    expect(references(kitConnectorCustomizations())).toEqual([]);
    expect(items(kitConnectorCustomizations(), "Workflows")).toEqual([]);
  });

  it("the flows solution holds no connector; its references have the kit's elements in the kit's order", () => {
    const ours = xml(flowsZip, "customizations.xml");
    expect(items(ours, "Connectors")).toEqual([]);
    expect([...flowsZip.keys()].some((name) => name.startsWith("Connector/"))).toBe(false);
    const kitReferences = references(kitFlowsCustomizations());
    const kitCustom = kitReferences.find((r) => findChild(r, "customconnectorid") !== undefined)!;
    const kitStandard = kitReferences.find((r) => r.attributes.connectionreferencelogicalname === "cat_BusinessApprovalKitO365Outlook")!;
    const [custom, outlook] = references(ours);
    expect(Object.keys(custom!.attributes)).toEqual(Object.keys(kitCustom.attributes));
    expect(childNames(custom!)).toEqual(childNames(kitCustom));
    expect(childNames(findChild(custom!, "customconnectorid")!)).toEqual(childNames(findChild(kitCustom, "customconnectorid")!));
    expect(childNames(outlook!)).toEqual(childNames(kitStandard));
    expect(findChild(findChild(custom!, "customconnectorid")!, "connectorid")!.children).toEqual([{ text: source.manifest.connector.id }]);
  });

  it("names the connector under MissingDependencies for the flow and for the connection reference, as the kit does", () => {
    const missing = (manifest: XmlElement) => childElements(findChild(manifest, "MissingDependencies")!, "MissingDependency");
    const kitEntries = missing(kitFlowsManifest()).filter((m) => findChild(m, "Required")!.attributes.type === "372");
    const ours = missing(findChild(xml(flowsZip, "solution.xml"), "SolutionManifest")!);
    const shape = (m: XmlElement) => {
      const required = findChild(m, "Required")!;
      const dependent = findChild(m, "Dependent")!;
      return { required: Object.keys(required.attributes), requiredType: required.attributes.type, dependent: Object.keys(dependent.attributes), dependentType: dependent.attributes.type };
    };
    expect(ours.map(shape)).toEqual(kitEntries.map(shape));
    for (const m of ours) {
      expect(findChild(m, "Required")!.attributes).toMatchObject({ schemaName: source.manifest.connector.schemaName, id: `{${source.manifest.connector.id}}` });
    }
    const flowId = childElements(findChild(findChild(xml(flowsZip, "solution.xml"), "SolutionManifest")!, "RootComponents")!)[0]!.attributes.id;
    expect(findChild(ours[0]!, "Dependent")!.attributes.id).toBe(flowId);
  });

  it("the flow reaches the connector through a connection reference of the kit's shape, with the kit's action host fields", () => {
    const workflow = childElements(findChild(xml(flowsZip, "customizations.xml"), "Workflows")!, "Workflow")[0]!;
    const flowFile = (findChild(workflow, "JsonFileName")!.children[0] as { text: string }).text.slice(1);
    const ours = JSON.parse(entry(flowsZip, flowFile).toString("utf8")) as Flow;
    const custom = (f: Flow) => Object.values(f.properties.connectionReferences).find((r) => r.api.logicalName !== undefined)!;
    const shape = (r: ReturnType<typeof custom>) => ({ keys: Object.keys(r), connection: Object.keys(r.connection), api: Object.keys(r.api), runtimeSource: r.runtimeSource });
    expect(shape(custom(ours))).toEqual(shape(custom(kitFlow())));
    expect(custom(ours).api.logicalName).toBe(source.manifest.connector.schemaName);
    const hosts = (f: Flow) => JSON.stringify(f.properties.definition.actions).match(/"host":\{[^}]*\}/g)!.map((h) => Object.keys((JSON.parse(`{${h}}`) as { host: object }).host));
    expect(new Set(hosts(ours).map((k) => k.join()))).toEqual(new Set(hosts(kitFlow()).map((k) => k.join())));
  });

  it("writes environment variable definitions with the kit's elements in the kit's order", () => {
    const kitVariable = kitXml("BusinessApprovalKit/SolutionPackage/src/environmentvariabledefinitions/cat_ApprovalKitOrgUrl/environmentvariabledefinition.xml");
    const ours = [...flowsZip.keys()].filter((n) => n.endsWith("/environmentvariabledefinition.xml"));
    expect(ours).toHaveLength(2);
    for (const name of ours) expect(childNames(xml(flowsZip, name)), name).toEqual(childNames(kitVariable));
  });
});
