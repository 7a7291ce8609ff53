import { XMLBuilder, XMLParser, XMLValidator } from "fast-xml-parser";
import { errorCodes, ToolError } from "../errors/index.ts";
import { readZipEntries } from "../zip/index.ts";
import { packageExtractLimits } from "./extract.ts";

/**
 * A data package's `Manifest.xml`: the entities it holds and the file each one reads (`EntityName`,
 * `InputFilePath` under `DataManagementPackageEntityData`, as RIS reads them). Only these two elements are
 * interpreted; everything else in the manifest is kept as it is when it is rewritten.
 */

/** A package that is a readable zip but not a usable data package (no manifest, no entity, an ambiguous template). */
export class PackageError extends ToolError {
  constructor(message: string) {
    super(errorCodes.invalid, message);
    this.name = "PackageError";
  }
}

export interface ManifestEntity {
  name: string;
  /** The data file in the package, as the manifest names it; undefined when the manifest gives none. */
  inputFilePath: string | undefined;
}

/** The entry name of the manifest: RIS looks it up case-insensitively at the root of the package. */
export function isManifestEntry(entryName: string): boolean {
  return entryName.toLowerCase() === "manifest.xml";
}

/**
 * Reads a package file (a zip) to its end, which checks that every entry inflates, and returns its manifest's
 * entities. `label` names the package in errors. A zip without `Manifest.xml` or whose manifest names no entity
 * is a PackageError; a file that is not a readable zip is a ZipReadError (from src/zip).
 */
export async function readPackageManifest(file: string, label = file): Promise<ManifestEntity[]> {
  let manifest: Buffer | undefined;
  await readZipEntries({ file }, label, packageExtractLimits, async (entryName, content) => {
    if (!isManifestEntry(entryName)) {
      // Drained, not skipped: reading every entry is what proves the package is whole.
      for await (const _chunk of content) void _chunk;
      return;
    }
    const chunks: Buffer[] = [];
    for await (const chunk of content) chunks.push(chunk as Buffer);
    manifest = Buffer.concat(chunks);
  });
  if (manifest === undefined) throw new PackageError(`${label}: not a data package: it has no Manifest.xml`);
  const entities = manifestEntities(parseManifest(manifest, label));
  if (entities.length === 0) throw new PackageError(`${label}: its Manifest.xml names no entity (no DataManagementPackageEntityData with an EntityName)`);
  return entities;
}

/** fast-xml-parser's order-preserving node: `{ tag: children, ":@": attributes }` or `{ "#text": text }`. */
export type ManifestNode = { [tag: string]: ManifestNode[] | string | Record<string, string> | undefined };

// Whitespace and entities kept, values left as strings, so a rewrite changes only what it means to change.
const codec = {
  preserveOrder: true,
  ignoreAttributes: false,
  attributeNamePrefix: "",
  parseTagValue: false,
  parseAttributeValue: false,
  trimValues: false,
  processEntities: true,
  htmlEntities: false,
  suppressEmptyNode: true,
} as const;

/** Parses a manifest; `label` names the package in errors (with the line and column of a syntax error). */
export function parseManifest(bytes: Buffer, label: string): ManifestNode[] {
  let text = bytes.toString("utf8");
  if (text.startsWith("\uFEFF")) text = text.slice(1);
  const valid = XMLValidator.validate(text);
  if (valid !== true) throw new PackageError(`${label}: Manifest.xml:${valid.err.line}:${valid.err.col}: not well-formed XML (${valid.err.msg})`);
  return new XMLParser(codec).parse(text) as ManifestNode[];
}

export function serializeManifest(tree: ManifestNode[]): Buffer {
  return Buffer.from(new XMLBuilder({ ...codec, format: false }).build(tree) as string, "utf8");
}

/** The element name without a namespace prefix (`dm:EntityName` → `EntityName`). */
function localName(tag: string): string {
  return tag.slice(tag.indexOf(":") + 1);
}

function tagOf(node: ManifestNode): string | undefined {
  return Object.keys(node).find((k) => k !== ":@" && k !== "#text");
}

function childrenOf(node: ManifestNode): ManifestNode[] {
  const tag = tagOf(node);
  const children = tag === undefined ? undefined : node[tag];
  return Array.isArray(children) ? children : [];
}

/** Every element named `name` (local name) at any depth, in document order. */
export function elementsNamed(nodes: ManifestNode[], name: string): ManifestNode[] {
  const found: ManifestNode[] = [];
  for (const node of nodes) {
    const tag = tagOf(node);
    if (tag === undefined) continue;
    if (localName(tag) === name) found.push(node);
    found.push(...elementsNamed(childrenOf(node), name));
  }
  return found;
}

/** The text of an element (its text children joined, trimmed). */
export function textOf(node: ManifestNode): string {
  return childrenOf(node)
    .map((c) => (typeof c["#text"] === "string" ? c["#text"] : ""))
    .join("")
    .trim();
}

/** Replaces an element's content with `text`. */
export function setText(node: ManifestNode, text: string): void {
  const tag = tagOf(node);
  if (tag !== undefined) node[tag] = [{ "#text": text }];
}

/** The direct child element named `name` (local name), if any. */
export function childNamed(node: ManifestNode, name: string): ManifestNode | undefined {
  return childrenOf(node).find((child) => {
    const tag = tagOf(child);
    return tag !== undefined && localName(tag) === name;
  });
}

/** The entity elements of a parsed manifest (`DataManagementPackageEntityData` with a non-empty `EntityName`). */
export function entityElements(tree: ManifestNode[]): ManifestNode[] {
  return elementsNamed(tree, "DataManagementPackageEntityData").filter((entityData) => {
    const name = childNamed(entityData, "EntityName");
    return name !== undefined && textOf(name) !== "";
  });
}

/** The entities of a parsed manifest, each with the data file it names. */
export function manifestEntities(tree: ManifestNode[]): ManifestEntity[] {
  return entityElements(tree).map((entityData) => {
    const input = childNamed(entityData, "InputFilePath");
    return { name: textOf(childNamed(entityData, "EntityName")!), inputFilePath: input === undefined ? undefined : textOf(input) || undefined };
  });
}
