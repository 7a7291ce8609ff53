import { SolutionError } from "./errors.ts";
import type { SolutionFiles } from "./layout.ts";
import { childElements, childText, findChild, parseXml } from "./xml.ts";

/**
 * Microsoft documents that a custom connector must be imported in a solution of its own before any
 * connection reference or flow that uses it; a solution holding both fails to import or cannot start
 * importing (powerplatform-developerhub, custom connectors in solutions, "Known limitations"). This
 * refuses zip entries that break the rule, whatever produced them: a connection reference whose
 * `customconnectorid` (or API name) is a connector of the same solution, or a flow whose connection
 * reference names that connector.
 */
export function checkConnectorSeparation(entries: SolutionFiles, zipName: string): void {
  const customizationsBytes = entries.get("customizations.xml");
  if (customizationsBytes === undefined) return;
  const customizations = parseXml(customizationsBytes, `${zipName} customizations.xml`);
  const connectorsSection = findChild(customizations, "Connectors");
  const connectors = (connectorsSection ? childElements(connectorsSection, "Connector") : []).map((c) => ({
    id: childText(c, "connectorid")?.trim().toLowerCase() ?? "",
    name: childText(c, "name")?.trim() ?? "",
  }));
  if (connectors.length === 0) return;

  const problems: string[] = [];
  const referencesSection = findChild(customizations, "connectionreferences");
  for (const reference of referencesSection ? childElements(referencesSection, "connectionreference") : []) {
    const custom = findChild(reference, "customconnectorid");
    const customId = custom ? childText(custom, "connectorid")?.trim().toLowerCase() : undefined;
    const api = childText(reference, "connectorid")?.trim().toLowerCase().split("/").pop() ?? "";
    const target = connectors.find((c) => c.id === customId || (c.name !== "" && isApiOf(api, c.name)));
    if (target) problems.push(`connection reference "${reference.attributes.connectionreferencelogicalname ?? "?"}" uses connector ${target.name}`);
  }
  const workflowsSection = findChild(customizations, "Workflows");
  for (const workflow of workflowsSection ? childElements(workflowsSection, "Workflow") : []) {
    const file = childText(workflow, "JsonFileName")?.trim().replace(/^\//, "");
    const json = file === undefined ? undefined : entries.get(file);
    if (json === undefined) continue;
    const logicalNames = flowConnectorNames(json);
    const target = connectors.find((c) => logicalNames.includes(c.name));
    if (target) problems.push(`flow "${workflow.attributes.Name ?? file}" uses connector ${target.name}`);
  }
  if (problems.length > 0) {
    throw new SolutionError(
      `${zipName}: holds a custom connector and what uses it (${problems.join("; ")}). ` +
        "Microsoft documents that such a solution fails to import: the connector goes in a solution of its own, imported first, " +
        "and the connection references and flows in a second solution",
    );
  }
}

/**
 * Whether a runtime API name is the connector's: `shared_` plus the name with `_5F` written `-5f`, and in
 * an exported solution the environment's `-5f<hash>` after it (names.ts, connectorApiName).
 */
function isApiOf(api: string, connectorName: string): boolean {
  const stem = `shared_${connectorName.replace(/_5F/g, "-5f")}`.toLowerCase();
  return api === stem || api.startsWith(`${stem}-5f`);
}

function flowConnectorNames(json: Buffer): string[] {
  let flow: unknown;
  try {
    flow = JSON.parse(json.toString("utf8").replace(/^\uFEFF/, ""));
  } catch {
    return [];
  }
  const references = (flow as { properties?: { connectionReferences?: Record<string, { api?: { logicalName?: unknown } }> } } | null)?.properties
    ?.connectionReferences;
  return Object.values(references ?? {}).flatMap((r) => (typeof r.api?.logicalName === "string" ? [r.api.logicalName] : []));
}
