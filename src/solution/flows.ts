import type { CompiledConnector } from "../compile/package.ts";
import { connectorComponentType, type SolutionManifest } from "./source.ts";
import { flowConnectionReferences, outlookApiName, workflowComponentType, type FlowTarget, type SolutionFlow } from "./flow-parts.ts";
import { importFlowComponents } from "./import-flow.ts";
import { sampleFlowComponents } from "./sample-flow.ts";
import { formatVersion } from "./version.ts";
import { childElements, element, findChild, textElement, type XmlElement } from "./xml.ts";

/**
 * The flows solution: everything that uses the connector (its connection reference, the Office 365 Outlook
 * connection reference, the environment variables and the two sample flows: export by email, import a data
 * package), imported after the connector
 * solution. It is derived from the connector solution's own metadata (same publisher and version) and
 * shaped like Microsoft's Business Approvals Kit, whose flows solution names the connector it takes from
 * another solution under MissingDependencies (docs/format-notes.md, "The real solutions we compare with").
 */
export const flowsSolution = {
  uniqueNameSuffix: "Flows",
  displayNameSuffix: " (flows)",
  description: "The sample cloud flows, with the connection references and environment variables they use. Import it after the connector solution.",
} as const;

export interface FlowsSolutionParts {
  /** Unpacked-layout files: each flow, its .data.xml, the environment variable definitions. */
  files: Map<string, Buffer>;
  /** Edits the clones of the connector solution's Solution.xml and Customizations.xml into the flows solution's. */
  edit(solutionXml: XmlElement, customizationsXml: XmlElement): void;
}

export function flowsSolutionParts(connector: CompiledConnector, target: FlowTarget & { connectorDisplayName: string }): FlowsSolutionParts {
  const { manifest } = target;
  const flows: SolutionFlow[] = [sampleFlowComponents(connector, target), importFlowComponents(connector, target)];
  const references = flowConnectionReferences(manifest);
  const connectorReference = element("connectionreference", { connectionreferencelogicalname: references.connector }, [
    textElement("connectionreferencedisplayname", target.connectorDisplayName),
    textElement("connectorid", `/providers/Microsoft.PowerApps/apis/${target.apiName}`),
    element("customconnectorid", {}, [textElement("connectorid", manifest.connector.id)]),
    textElement("description", `Connection to one Finance and Operations environment, used by the flows of this solution.`),
    ...referenceState(),
  ]);
  const outlookReference = element("connectionreference", { connectionreferencelogicalname: references.outlook }, [
    textElement("connectionreferencedisplayname", "Office 365 Outlook (F&O sample flow)"),
    textElement("connectorid", `/providers/Microsoft.PowerApps/apis/${outlookApiName}`),
    ...referenceState(),
  ]);

  // The connector comes from the connector solution, so each flow and our connection reference name it as missing.
  const required = (): XmlElement =>
    element("Required", {
      type: connectorComponentType,
      schemaName: manifest.connector.schemaName,
      displayName: target.connectorDisplayName,
      solution: `${manifest.uniqueName} (${formatVersion(manifest.version)})`,
      id: `{${manifest.connector.id}}`,
    });
  const missingDependencies = [
    ...flows.map((flow) =>
      element("MissingDependency", {}, [required(), element("Dependent", { type: workflowComponentType, displayName: flow.displayName, id: `{${flow.workflowId}}` })]),
    ),
    element("MissingDependency", {}, [
      required(),
      element("Dependent", {
        type: "connectionreference",
        displayName: references.connector,
        "id.connectionreferencelogicalname": references.connector,
      }),
    ]),
  ];

  return {
    files: new Map(flows.flatMap((flow) => [...flow.files])),
    edit(solutionXml, customizationsXml) {
      const solutionManifest = findChild(solutionXml, "SolutionManifest")!;
      replaceText(solutionManifest, "UniqueName", flowsSolutionUniqueName(manifest));
      for (const name of childElements(findChild(solutionManifest, "LocalizedNames")!, "LocalizedName")) {
        name.attributes.description = `${name.attributes.description ?? ""}${flowsSolution.displayNameSuffix}`;
      }
      const descriptions = findChild(solutionManifest, "Descriptions");
      if (descriptions !== undefined) {
        for (const description of childElements(descriptions, "Description")) description.attributes.description = flowsSolution.description;
      }
      setChildren(
        solutionManifest,
        "RootComponents",
        flows.map((flow) => element("RootComponent", { type: workflowComponentType, id: `{${flow.workflowId}}`, behavior: "0" })),
      );
      setChildren(solutionManifest, "MissingDependencies", missingDependencies);
      // connectionreferences follows Connectors in every real customizations.xml (EX-B, the Approvals Kit).
      const connectors = findChild(customizationsXml, "Connectors")!;
      customizationsXml.children.splice(
        customizationsXml.children.indexOf(connectors) + 1,
        0,
        element("connectionreferences", {}, [connectorReference, outlookReference]),
      );
    },
  };
}

export function flowsSolutionUniqueName(manifest: SolutionManifest): string {
  return `${manifest.uniqueName}${flowsSolution.uniqueNameSuffix}`;
}

/** The children every connection reference of the Approvals Kit ends with. */
function referenceState(): XmlElement[] {
  return [textElement("iscustomizable", "1"), textElement("statecode", "0"), textElement("statuscode", "1")];
}

function replaceText(parent: XmlElement, name: string, text: string): void {
  const child = findChild(parent, name)!;
  parent.children[parent.children.indexOf(child)] = textElement(name, text, child.attributes);
}

function setChildren(parent: XmlElement, name: string, children: XmlElement[]): void {
  const child = findChild(parent, name);
  const replacement = element(name, child?.attributes ?? {}, children);
  if (child === undefined) parent.children.push(replacement);
  else parent.children[parent.children.indexOf(child)] = replacement;
}
