import { describe, expect, it } from "vitest";
import { packSolution } from "../../src/solution/index.ts";
import { childElements, findChild, parseXml, textOf, type XmlElement } from "../../src/solution/xml.ts";
import { hasShared } from "../support/shared.ts";
import { childNames, compiledConnector, entry, realExportEntries, realExports, solutionSource } from "./support.ts";

const connector = compiledConnector();
const source = solutionSource();
const entries = packSolution(connector, { source, packageType: "unmanaged", withSampleFlow: true });
const customizations = parseXml(entry(entries, "customizations.xml"), "customizations.xml");
const manifest = findChild(parseXml(entry(entries, "solution.xml"), "solution.xml"), "SolutionManifest")!;
const [workflow] = childElements(findChild(customizations, "Workflows")!, "Workflow");
const flowFile = textOf(findChild(workflow!, "JsonFileName")!).slice(1);

interface Action {
  type: string;
  runAfter?: Record<string, string[]>;
  inputs?: { host?: { connectionName: string; operationId: string }; parameters?: Record<string, unknown> };
  actions?: Record<string, Action>;
  else?: { actions: Record<string, Action> };
}
interface Flow {
  properties: {
    connectionReferences: Record<string, { connection: { connectionReferenceLogicalName: string }; api: { name: string; logicalName?: string } }>;
    definition: { triggers: Record<string, { type: string }>; parameters: Record<string, { metadata?: { schemaName: string } }>; actions: Record<string, Action> };
  };
}
const flow = JSON.parse(entry(entries, flowFile).toString("utf8")) as Flow;

/** Every action of the flow, nested ones included, by name. */
function allActions(actions: Record<string, Action>): Map<string, Action> {
  const found = new Map<string, Action>();
  for (const [name, action] of Object.entries(actions)) {
    found.set(name, action);
    for (const [n, a] of allActions({ ...(action.actions ?? {}), ...(action.else?.actions ?? {}) })) found.set(n, a);
  }
  return found;
}
const actions = allActions(flow.properties.definition.actions);

describe("the sample flow solution", () => {
  it("is its own solution: another unique name, the connector plus a type-29 root component for the flow", () => {
    expect(textOf(findChild(manifest, "UniqueName")!)).toBe(`${source.manifest.uniqueName}SampleFlow`);
    const roots = childElements(findChild(manifest, "RootComponents")!);
    expect(roots.map((r) => r.attributes.type)).toEqual(["372", "29"]);
    expect(roots[1]!.attributes.id).toBe(workflow!.attributes.WorkflowId);
    expect(flowFile).toMatch(new RegExp(`^Workflows/[A-Za-z0-9-]+-${workflow!.attributes.WorkflowId!.slice(1, -1).toUpperCase()}\\.json$`));
  });

  it("loops Dequeue → Download → email → Acknowledge until the queue is empty, on a recurrence", () => {
    expect(Object.values(flow.properties.definition.triggers).map((t) => t.type)).toEqual(["Recurrence"]);
    const loop = Object.values(flow.properties.definition.actions).find((a) => a.type === "Until");
    expect(Object.keys(loop?.actions ?? {})).toContain("Dequeue");
    const operations = [...actions.values()].flatMap((a) => (a.inputs?.host ? [a.inputs.host.operationId] : []));
    expect(operations).toEqual(["Dequeue", "Download", "SendEmailV2", "Acknowledge"]);
    // Each step runs only after the one before it succeeded: no acknowledgement without a sent email.
    expect(actions.get("Acknowledge")!.runAfter).toEqual({ "Send_an_email_(V2)": ["Succeeded"] });
    expect(actions.get("Send_an_email_(V2)")!.runAfter).toEqual({ Download: ["Succeeded"] });
  });

  it("reaches every connector through a connection reference defined in customizations.xml", () => {
    const references = childElements(findChild(customizations, "connectionreferences")!, "connectionreference").map(
      (r) => r.attributes.connectionreferencelogicalname,
    );
    for (const action of actions.values()) {
      if (!action.inputs?.host) continue;
      const reference = flow.properties.connectionReferences[action.inputs.host.connectionName];
      expect(reference, action.inputs.host.operationId).toBeDefined();
      expect(references).toContain(reference!.connection.connectionReferenceLogicalName);
    }
    const ours = Object.values(flow.properties.connectionReferences).find((r) => r.api.logicalName !== undefined);
    expect(ours?.api.logicalName).toBe(source.manifest.connector.schemaName);
  });

  it("sends the Acknowledge body field by field from Dequeue's response, as the definition names them", () => {
    const parameters = actions.get("Acknowledge")!.inputs!.parameters!;
    const schema = (connector.definition.definitions as Record<string, { properties: Record<string, unknown> }>).DequeueMessage!;
    expect(Object.keys(parameters).filter((p) => p.startsWith("message/"))).toEqual(Object.keys(schema.properties).map((p) => `message/${p}`));
    expect(parameters["message/PopReceipt"]).toBe("@body('Dequeue')?['PopReceipt']");
  });

  it("reads its settings from environment variable definitions shipped in the zip", () => {
    const variables = Object.values(flow.properties.definition.parameters).flatMap((p) => (p.metadata ? [p.metadata.schemaName] : []));
    expect(variables).toHaveLength(2);
    for (const schemaName of variables) {
      const definition = parseXml(entry(entries, `environmentvariabledefinitions/${schemaName}/environmentvariabledefinition.xml`), schemaName);
      expect(definition.attributes.schemaname).toBe(schemaName);
    }
  });

  it("refuses to build when the connector no longer has an operation the flow uses", () => {
    const paths = structuredClone(connector.definition.paths) as Record<string, Record<string, { operationId?: string }>>;
    for (const item of Object.values(paths)) for (const op of Object.values(item)) if (op.operationId === "Acknowledge") op.operationId = "Ack";
    const renamed = { ...connector, definition: { ...connector.definition, paths } };
    expect(() => packSolution(renamed, { source, packageType: "unmanaged", withSampleFlow: true })).toThrow(/no operation "Acknowledge"/);
  });
});

describe.skipIf(!hasShared)("the sample flow against the real export with a flow (EX-B)", async () => {
  const exB = hasShared ? await realExportEntries(realExports.connectorFlowCanvasApp) : new Map<string, Buffer>();
  const theirs = (): XmlElement =>
    childElements(findChild(parseXml(entry(exB, "customizations.xml"), "customizations.xml"), "Workflows")!, "Workflow")[0]!;

  it("has the <Workflow> attributes and children of EX-B, in order", () => {
    expect(Object.keys(workflow!.attributes)).toEqual(Object.keys(theirs().attributes));
    expect(childNames(workflow!)).toEqual(childNames(theirs()));
  });

  it("has the flow JSON's top-level shape of EX-B", () => {
    const exFlow = JSON.parse(entry(exB, textOf(findChild(theirs(), "JsonFileName")!).slice(1)).toString("utf8")) as Flow;
    expect(Object.keys(flow)).toEqual(Object.keys(exFlow));
    expect(Object.keys(flow.properties)).toEqual(Object.keys(exFlow.properties));
    const custom = (f: Flow) => Object.values(f.properties.connectionReferences).find((r) => r.api.logicalName !== undefined)!;
    expect(Object.keys(custom(flow))).toEqual(Object.keys(custom(exFlow)));
  });
});
