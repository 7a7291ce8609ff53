import path from "node:path";
import type { CompiledConnector } from "../compile/package.ts";
import { writeFolderAtomically } from "../compile/write.ts";
import { connectorFolderEntries } from "./connector.ts";
import { SolutionError } from "./errors.ts";
import { folderToZip, type SolutionFiles } from "./layout.ts";
import { connectorApiName, connectorSchemaName } from "./names.ts";
import { sampleFlow, sampleFlowComponents } from "./sample-flow.ts";
import { sourceFiles, type SolutionManifest, type SolutionSource } from "./source.ts";
import { versionFileStem } from "./version.ts";
import { childElements, findChild, serializeXml, textElement, type XmlElement } from "./xml.ts";
import { writeZip } from "./zip.ts";

export interface AssembleOptions {
  /** Add the sample cloud flow; the result is a second solution (its own unique name), a superset of the first. */
  withSampleFlow?: boolean;
}

export interface PackOptions extends AssembleOptions {
  source: SolutionSource;
  packageType: "unmanaged" | "managed";
}

/**
 * The solution in the `pac solution unpack` layout: the committed source plus the connector generated
 * from the compiled package (and the sample flow when asked): the folder `pac solution pack --folder`
 * reads (UNCONFIRMED: no pac here to try it).
 */
export function assembleSolutionFolder(connector: CompiledConnector, source: SolutionSource, options: AssembleOptions = {}): SolutionFiles {
  checkConnectorIdentity(connector, source);
  const { manifest } = source;
  const solutionXml = structuredClone(source.solutionXml);
  const customizationsXml = structuredClone(source.customizationsXml);
  const folder: SolutionFiles = new Map(connectorFolderEntries(connector, { id: manifest.connector.id, name: manifest.connector.schemaName }));

  if (options.withSampleFlow) {
    const flow = sampleFlowComponents(connector, manifest);
    const solutionManifest = findChild(solutionXml, "SolutionManifest")!;
    replaceText(solutionManifest, "UniqueName", solutionUniqueName(manifest, true));
    for (const name of childElements(findChild(solutionManifest, "LocalizedNames")!, "LocalizedName")) {
      name.attributes.description = `${name.attributes.description ?? ""}${sampleFlow.solutionDisplayNameSuffix}`;
    }
    findChild(solutionManifest, "RootComponents")!.children.push(flow.rootComponent);
    findChild(customizationsXml, "connectionreferences")!.children.push(flow.connectionReference);
    for (const [file, bytes] of flow.files) folder.set(file, bytes);
  }
  folder.set(sourceFiles.solution, serializeXml(solutionXml, "source"));
  folder.set(sourceFiles.customizations, serializeXml(customizationsXml, "source"));
  return folder;
}

/** The zip entries of one package (pure: same inputs, same entries, same bytes). */
export function packSolution(connector: CompiledConnector, options: PackOptions): SolutionFiles {
  return folderToZip(assembleSolutionFolder(connector, options.source, options), { packageType: options.packageType });
}

/** `dist/solution`'s content: per solution, its unpacked folder and both packages, named as Dataverse names exports. */
export async function buildSolutionFiles(
  connector: CompiledConnector,
  source: SolutionSource,
  options: AssembleOptions = {},
): Promise<SolutionFiles> {
  const variants = [false, ...(options.withSampleFlow ? [true] : [])];
  const out: SolutionFiles = new Map();
  for (const withSampleFlow of variants) {
    const folder = assembleSolutionFolder(connector, source, { withSampleFlow });
    for (const [file, bytes] of folder) out.set(`${solutionUniqueName(source.manifest, withSampleFlow)}/${file}`, bytes);
    for (const packageType of ["unmanaged", "managed"] as const) {
      out.set(solutionZipName(source.manifest, { withSampleFlow, packageType }), await writeZip(folderToZip(folder, { packageType })));
    }
  }
  return out;
}

/** The unique name of the solution, or of its sample-flow variant. */
export function solutionUniqueName(manifest: SolutionManifest, withSampleFlow = false): string {
  return `${manifest.uniqueName}${withSampleFlow ? sampleFlow.solutionUniqueNameSuffix : ""}`;
}

/** The package's file name as Dataverse names exports: `<UniqueName>_1_0_0_0.zip`, `…_managed.zip`. */
export function solutionZipName(manifest: SolutionManifest, options: { withSampleFlow?: boolean; packageType: "unmanaged" | "managed" }): string {
  const stem = `${solutionUniqueName(manifest, options.withSampleFlow)}_${versionFileStem(manifest.version)}`;
  return `${stem}${options.packageType === "managed" ? "_managed" : ""}.zip`;
}

/**
 * Builds and writes `outDir` (normally dist/solution) as a whole: staged beside it and swapped in, so
 * an error leaves the previous output untouched and no partial zip behind. Returns the written paths.
 */
export async function writeSolution(
  connector: CompiledConnector,
  source: SolutionSource,
  outDir: string,
  options: AssembleOptions = {},
): Promise<string[]> {
  const files = await buildSolutionFiles(connector, source, options);
  writeFolderAtomically(outDir, files);
  return [...files.keys()].filter((f) => f.endsWith(".zip")).map((f) => path.join(outDir, f));
}

/**
 * The committed identity must agree with the connector: the schema name is what Dataverse derives
 * from the publisher prefix and the connector title, and the connection reference points at the API
 * that name gives. A title change therefore stops the build instead of silently renaming the
 * connector (which an import would treat as a different connector).
 */
function checkConnectorIdentity(connector: CompiledConnector, source: SolutionSource): void {
  const { manifest } = source;
  const title = (connector.definition.info as { title?: unknown } | undefined)?.title;
  if (typeof title !== "string" || title.trim() === "") throw new SolutionError("apiDefinition.swagger.json /info/title: expected a non-empty string");
  const solutionFile = path.join(source.dir, sourceFiles.solution);
  const customizationsFile = path.join(source.dir, sourceFiles.customizations);
  const expectedName = connectorSchemaName(manifest.publisher.prefix, title);
  if (manifest.connector.schemaName !== expectedName) {
    throw new SolutionError(
      `${solutionFile}: <RootComponent type="372"> schemaName "${manifest.connector.schemaName}" does not match "${expectedName}", the name derived from prefix "${manifest.publisher.prefix}" and the connector title "${title}". Renaming gives a different connector on import: set schemaName="${expectedName}" (and the connection reference below) only if that is intended`,
    );
  }
  const expectedApiId = `/providers/Microsoft.PowerApps/apis/${connectorApiName(manifest.publisher.prefix, title)}`;
  if (manifest.connectionReference.apiId !== expectedApiId) {
    throw new SolutionError(
      `${customizationsFile}: connection reference "${manifest.connectionReference.logicalName}" has <connectorid> "${manifest.connectionReference.apiId}"; expected "${expectedApiId}"`,
    );
  }
}

function replaceText(parent: XmlElement, name: string, text: string): void {
  const child = findChild(parent, name)!;
  parent.children[parent.children.indexOf(child)] = textElement(name, text, child.attributes);
}
