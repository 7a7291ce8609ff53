import path from "node:path";
import type { CompiledConnector } from "../compile/package.ts";
import { writeFolderAtomically } from "../compile/write.ts";
import { connectorFolderEntries } from "./connector.ts";
import { SolutionError } from "./errors.ts";
import { folderToZip, type SolutionFiles } from "./layout.ts";
import { connectorApiName, connectorSchemaName } from "./names.ts";
import { flowsSolutionParts, flowsSolutionUniqueName } from "./flows.ts";
import { checkConnectorSeparation } from "./separation.ts";
import { sourceFiles, type SolutionManifest, type SolutionSource } from "./source.ts";
import { versionFileStem } from "./version.ts";
import { serializeXml } from "./xml.ts";
import { writeZip } from "../zip/index.ts";

/**
 * The two solutions, in the order they must be imported: the connector alone, then what uses it. Microsoft
 * documents that a solution holding a custom connector and the connection references or flows that use it
 * fails to import (docs/platform-assumptions.md, "Solution import").
 */
export const solutionParts = ["connector", "flows"] as const;
export type SolutionPart = (typeof solutionParts)[number];

export interface PackOptions {
  source: SolutionSource;
  packageType: "unmanaged" | "managed";
  part: SolutionPart;
}

/**
 * One solution in the `pac solution unpack` layout: for the connector solution, the committed source plus
 * the connector generated from the compiled package; for the flows solution, the same publisher and version
 * with the sample flow, its connection references and environment variables (the folder
 * `pac solution pack --folder` reads; UNCONFIRMED: no pac here to try it).
 */
export function assembleSolutionFolder(connector: CompiledConnector, source: SolutionSource, part: SolutionPart): SolutionFiles {
  const title = checkConnectorIdentity(connector, source);
  const { manifest } = source;
  const solutionXml = structuredClone(source.solutionXml);
  const customizationsXml = structuredClone(source.customizationsXml);
  const folder: SolutionFiles =
    part === "connector" ? new Map(connectorFolderEntries(connector, { id: manifest.connector.id, name: manifest.connector.schemaName })) : new Map();
  if (part === "flows") {
    const flows = flowsSolutionParts(connector, { manifest, apiName: connectorApiName(manifest.publisher.prefix, title), connectorDisplayName: title });
    flows.edit(solutionXml, customizationsXml);
    for (const [file, bytes] of flows.files) folder.set(file, bytes);
  }
  folder.set(sourceFiles.solution, serializeXml(solutionXml, "source"));
  folder.set(sourceFiles.customizations, serializeXml(customizationsXml, "source"));
  return folder;
}

/** The zip entries of one package (pure: same inputs, same entries, same bytes), refused if it could not import. */
export function packSolution(connector: CompiledConnector, options: PackOptions): SolutionFiles {
  const entries = folderToZip(assembleSolutionFolder(connector, options.source, options.part), { packageType: options.packageType });
  checkConnectorSeparation(entries, solutionZipName(options.source.manifest, options));
  return entries;
}

/** `dist/solution`'s content: per solution, its unpacked folder and both packages, named as Dataverse names exports. */
export async function buildSolutionFiles(
  connector: CompiledConnector,
  source: SolutionSource,
  parts: readonly SolutionPart[] = solutionParts,
): Promise<SolutionFiles> {
  const out: SolutionFiles = new Map();
  for (const part of parts) {
    for (const [file, bytes] of assembleSolutionFolder(connector, source, part)) out.set(`${solutionUniqueName(source.manifest, part)}/${file}`, bytes);
    for (const packageType of ["unmanaged", "managed"] as const) {
      out.set(solutionZipName(source.manifest, { part, packageType }), await writeZip(packSolution(connector, { source, packageType, part })));
    }
  }
  return out;
}

/** The unique name of the connector solution or of the flows solution. */
export function solutionUniqueName(manifest: SolutionManifest, part: SolutionPart): string {
  return part === "connector" ? manifest.uniqueName : flowsSolutionUniqueName(manifest);
}

/** The package's file name as Dataverse names exports: `<UniqueName>_1_0_0_0.zip`, `…_managed.zip`. */
export function solutionZipName(manifest: SolutionManifest, options: { part: SolutionPart; packageType: "unmanaged" | "managed" }): string {
  const stem = `${solutionUniqueName(manifest, options.part)}_${versionFileStem(manifest.version)}`;
  return `${stem}${options.packageType === "managed" ? "_managed" : ""}.zip`;
}

/**
 * Builds and writes `outDir` (normally dist/solution) as a whole: staged beside it and swapped in, so
 * an error leaves the previous output untouched and no partial zip behind. Returns the written zips in
 * import order.
 */
export async function writeSolution(
  connector: CompiledConnector,
  source: SolutionSource,
  outDir: string,
  parts: readonly SolutionPart[] = solutionParts,
): Promise<string[]> {
  const files = await buildSolutionFiles(connector, source, parts);
  writeFolderAtomically(outDir, files);
  return [...files.keys()].filter((f) => f.endsWith(".zip")).map((f) => path.join(outDir, f));
}

/**
 * The committed identity must agree with the connector: the schema name is what Dataverse derives
 * from the publisher prefix and the connector title, and the connection reference points at the API
 * that name gives. A title change therefore stops the build instead of silently renaming the
 * connector (which an import would treat as a different connector).
 */
function checkConnectorIdentity(connector: CompiledConnector, source: SolutionSource): string {
  const { manifest } = source;
  const title = (connector.definition.info as { title?: unknown } | undefined)?.title;
  if (typeof title !== "string" || title.trim() === "") throw new SolutionError("apiDefinition.swagger.json /info/title: expected a non-empty string");
  const solutionFile = path.join(source.dir, sourceFiles.solution);
  const expectedName = connectorSchemaName(manifest.publisher.prefix, title);
  if (manifest.connector.schemaName !== expectedName) {
    throw new SolutionError(
      `${solutionFile}: <RootComponent type="372"> schemaName "${manifest.connector.schemaName}" does not match "${expectedName}", the name derived from prefix "${manifest.publisher.prefix}" and the connector title "${title}". Renaming gives a different connector on import: set schemaName="${expectedName}" only if that is intended`,
    );
  }
  return title;
}
