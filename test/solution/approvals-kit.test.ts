import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { importFlow, packSolution } from "../../src/solution/index.ts";
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

  it("names the connector under MissingDependencies for each flow and for the connection reference, as the kit does", () => {
    const missing = (manifest: XmlElement) => childElements(findChild(manifest, "MissingDependencies")!, "MissingDependency");
    const kitEntries = missing(kitFlowsManifest()).filter((m) => findChild(m, "Required")!.attributes.type === "372");
    const ourManifest = findChild(xml(flowsZip, "solution.xml"), "SolutionManifest")!;
    const ours = missing(ourManifest);
    const shape = (m: XmlElement) => {
      const required = findChild(m, "Required")!;
      const dependent = findChild(m, "Dependent")!;
      return { required: Object.keys(required.attributes), requiredType: required.attributes.type, dependent: Object.keys(dependent.attributes), dependentType: dependent.attributes.type };
    };
    // The kit has one flow that uses the connector; we have two, each with the kit's flow entry.
    const [kitFlowEntry, kitReferenceEntry] = kitEntries.map(shape);
    expect(ours.map(shape)).toEqual([kitFlowEntry, kitFlowEntry, kitReferenceEntry]);
    for (const m of ours) {
      expect(findChild(m, "Required")!.attributes).toMatchObject({ schemaName: source.manifest.connector.schemaName, id: `{${source.manifest.connector.id}}` });
    }
    const flowIds = childElements(findChild(ourManifest, "RootComponents")!).map((r) => r.attributes.id);
    const workflows = items(xml(flowsZip, "customizations.xml"), "Workflows");
    expect(new Set(workflows.map((w) => w.attributes.WorkflowId))).toEqual(new Set(flowIds));
    expect(ours.slice(0, 2).map((m) => findChild(m, "Dependent")!.attributes.id)).toEqual(flowIds);
    expect(ours.slice(0, 2).map((m) => findChild(m, "Dependent")!.attributes.displayName)).toEqual(
      flowIds.map((id) => workflows.find((w) => w.attributes.WorkflowId === id)!.attributes.Name),
    );
  });

  it("each flow reaches the connector through a connection reference of the kit's shape, with the kit's action host fields", () => {
    const workflows = childElements(findChild(xml(flowsZip, "customizations.xml"), "Workflows")!, "Workflow");
    expect(workflows).toHaveLength(2);
    const custom = (f: Flow) => Object.values(f.properties.connectionReferences).find((r) => r.api.logicalName !== undefined)!;
    const shape = (r: ReturnType<typeof custom>) => ({ keys: Object.keys(r), connection: Object.keys(r.connection), api: Object.keys(r.api), runtimeSource: r.runtimeSource });
    const hosts = (f: Flow) => JSON.stringify(f.properties.definition.actions).match(/"host":\{[^}]*\}/g)!.map((h) => Object.keys((JSON.parse(`{${h}}`) as { host: object }).host));
    for (const workflow of workflows) {
      const flowFile = (findChild(workflow, "JsonFileName")!.children[0] as { text: string }).text.slice(1);
      const ours = JSON.parse(entry(flowsZip, flowFile).toString("utf8")) as Flow;
      expect(shape(custom(ours)), flowFile).toEqual(shape(custom(kitFlow())));
      expect(custom(ours).api.logicalName).toBe(source.manifest.connector.schemaName);
      expect(new Set(hosts(ours).map((k) => k.join())), flowFile).toEqual(new Set(hosts(kitFlow()).map((k) => k.join())));
    }
  });

  it("the import flow's manual trigger has the kit's Button trigger shape, its text inputs the kit's keys", () => {
    const workflow = items(xml(flowsZip, "customizations.xml"), "Workflows").find((w) => w.attributes.Name === importFlow.displayName)!;
    const flowFile = (findChild(workflow, "JsonFileName")!.children[0] as { text: string }).text.slice(1);
    type Triggers = Record<string, { type: string; kind: string; inputs: { schema: { type: string; properties: Record<string, Record<string, unknown>>; required: string[] } } }>;
    const triggers = (f: unknown) => (f as { properties: { definition: { triggers: Triggers } } }).properties.definition.triggers;
    const [[ourName, ours]] = Object.entries(triggers(JSON.parse(entry(flowsZip, flowFile).toString("utf8")))) as [[string, Triggers[string]]];
    const [[kitName, kit]] = Object.entries(triggers(kitFlow())) as [[string, Triggers[string]]];
    expect([ourName, ours.type, ours.kind]).toEqual([kitName, kit.type, kit.kind]);
    expect(Object.keys(ours.inputs.schema)).toEqual(Object.keys(kit.inputs.schema));
    const kitText = kit.inputs.schema.properties.text!;
    expect(Object.keys(ours.inputs.schema.properties.text!)).toEqual(Object.keys(kitText));
    expect(Object.keys(ours.inputs.schema.properties.text_1!)).toEqual(Object.keys(kitText));
    expect(ours.inputs.schema.properties.text!["x-ms-content-hint"]).toBe(kitText["x-ms-content-hint"]);
  });

  it("writes environment variable definitions with the kit's elements in the kit's order", () => {
    const kitVariable = kitXml("BusinessApprovalKit/SolutionPackage/src/environmentvariabledefinitions/cat_ApprovalKitOrgUrl/environmentvariabledefinition.xml");
    const ours = [...flowsZip.keys()].filter((n) => n.endsWith("/environmentvariabledefinition.xml"));
    expect(ours).toHaveLength(2);
    for (const name of ours) expect(childNames(xml(flowsZip, name)), name).toEqual(childNames(kitVariable));
  });
});
