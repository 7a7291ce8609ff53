import { packSolution } from "../../../src/solution/index.ts";
import { childElements, findChild, parseXml, textOf, type XmlElement } from "../../../src/solution/xml.ts";
import { compiledConnector, entry, solutionSource } from "../support.ts";

/** A flow action as the tests read it (nested actions in `actions` and `else.actions`). */
export interface FlowAction {
  type: string;
  runAfter?: Record<string, string[]>;
  inputs?: Record<string, unknown> & { host?: { connectionName: string; operationId: string }; parameters?: Record<string, unknown>; retryPolicy?: { type: string } };
  actions?: Record<string, FlowAction>;
  else?: { actions: Record<string, FlowAction> };
}

export interface FlowJson {
  properties: {
    connectionReferences: Record<string, { connection: { connectionReferenceLogicalName: string }; api: { name: string; logicalName?: string } }>;
    definition: { triggers: Record<string, { type: string }>; parameters: Record<string, { metadata?: { schemaName: string } }>; actions: Record<string, FlowAction> };
  };
}

/** The flows solution as the build packs it (unmanaged), and one of its flows found by display name. */
export function packedFlow(displayName: string) {
  const connector = compiledConnector();
  const source = solutionSource();
  const entries = packSolution(connector, { source, packageType: "unmanaged", part: "flows" });
  const customizations = parseXml(entry(entries, "customizations.xml"), "customizations.xml");
  const manifest = findChild(parseXml(entry(entries, "solution.xml"), "solution.xml"), "SolutionManifest")!;
  const workflow: XmlElement | undefined = childElements(findChild(customizations, "Workflows")!, "Workflow").find((w) => w.attributes.Name === displayName);
  if (workflow === undefined) throw new Error(`the flows solution has no flow "${displayName}"`);
  const flowFile = textOf(findChild(workflow, "JsonFileName")!).slice(1);
  const flow = JSON.parse(entry(entries, flowFile).toString("utf8")) as FlowJson;
  return { connector, source, entries, customizations, manifest, workflow, flowFile, flow, actions: allActions(flow.properties.definition.actions) };
}

/** Every action of a flow, nested ones included, by name. */
function allActions(actions: Record<string, FlowAction>): Map<string, FlowAction> {
  const found = new Map<string, FlowAction>();
  for (const [name, action] of Object.entries(actions)) {
    found.set(name, action);
    for (const [n, a] of allActions({ ...(action.actions ?? {}), ...(action.else?.actions ?? {}) })) found.set(n, a);
  }
  return found;
}
