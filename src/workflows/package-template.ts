import { createWriteStream } from "node:fs";
import { readFile, rm } from "node:fs/promises";
import path from "node:path";
import { pipeline } from "node:stream/promises";
import yazl from "yazl";
import { defaultZipLimits, readZip } from "../zip/index.ts";
import { childNamed, entityElements, isManifestEntry, PackageError, parseManifest, serializeManifest, setText, textOf, type ManifestEntity } from "./package-manifest.ts";

export interface WrapOptions {
  /** A data package of the data project (exported from F&O), with one entity. */
  template: string;
  /** The plain data file (CSV, XML, Excel) to import. */
  dataFile: string;
  /** Where the new package is written; it must not exist yet. */
  out: string;
}

export interface WrappedPackage {
  file: string;
  entity: ManifestEntity;
  /** Entries of the template left out: its old data file, and any entry already named like the new one. */
  dropped: string[];
}

/**
 * Wraps a plain data file into a copy of a template package, as RIS's Import job does: the manifest's
 * `InputFilePath` is rewritten to the data file's name, the template's old data file (and any entry already
 * under the new name) is dropped, and the data file is added under its own name. The template is small and read
 * into memory; the data file is streamed from disk into the new zip (yazl directly: src/zip writes from buffers).
 *
 * A template without `Manifest.xml`, or whose manifest holds no entity or more than one (which entity the file
 * fills would be a guess), is a PackageError naming the template, raised before anything is written.
 */
export async function wrapInTemplate(options: WrapOptions): Promise<WrappedPackage> {
  const { template, dataFile, out } = options;
  const entries = await readZip(await readFile(template), template, defaultZipLimits);
  const manifestName = [...entries.keys()].find(isManifestEntry);
  if (manifestName === undefined) {
    throw new PackageError(`${template}: the template has no Manifest.xml; use a package exported from the data project in F&O`);
  }
  const tree = parseManifest(entries.get(manifestName)!, template);
  const entityNodes = entityElements(tree);
  if (entityNodes.length !== 1) {
    const names = entityNodes.map((node) => `"${textOf(childNamed(node, "EntityName")!)}"`).join(", ");
    throw new PackageError(
      entityNodes.length === 0
        ? `${template}: the template's Manifest.xml names no entity, so there is nothing for the data file to fill`
        : `${template}: the template holds ${entityNodes.length} entities (${names}) and a plain data file fills one; use a template of a data project with exactly one entity`,
    );
  }
  const entityNode = entityNodes[0]!;
  const entityName = textOf(childNamed(entityNode, "EntityName")!);
  const inputNode = childNamed(entityNode, "InputFilePath");
  if (inputNode === undefined) {
    throw new PackageError(`${template}: the entity "${entityName}" in Manifest.xml has no InputFilePath to point at the data file`);
  }
  const entryName = path.basename(dataFile);
  if (isManifestEntry(entryName) || entryName.toLowerCase() === "packageheader.xml") {
    throw new PackageError(`${dataFile}: a data file cannot be named ${entryName} inside a package; rename it`);
  }
  const stale = textOf(inputNode);
  setText(inputNode, entryName);

  const zip = new yazl.ZipFile();
  const dropped: string[] = [];
  for (const [name, bytes] of entries) {
    if (name === manifestName) zip.addBuffer(serializeManifest(tree), name);
    else if (sameEntry(name, stale) || sameEntry(name, entryName)) dropped.push(name);
    else zip.addBuffer(bytes, name);
  }
  zip.addFile(dataFile, entryName);
  zip.end();
  try {
    await pipeline(zip.outputStream, createWriteStream(out, { flags: "wx" }));
  } catch (err) {
    // A file that was already there is not ours to remove.
    if ((err as NodeJS.ErrnoException).code !== "EEXIST") await rm(out, { force: true });
    throw err;
  }
  return { file: out, entity: { name: entityName, inputFilePath: entryName }, dropped };
}

/** Entry names compared as F&O's Windows side does: `\` and `/` alike, case ignored. */
function sameEntry(entryName: string, manifestPath: string): boolean {
  const normal = (name: string) => name.replace(/\\/g, "/").toLowerCase();
  return manifestPath !== "" && normal(entryName) === normal(manifestPath);
}
