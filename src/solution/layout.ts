import path from "node:path";
import { SolutionError } from "./errors.ts";
import { sourceFiles } from "./source.ts";
import {
  childElements,
  childText,
  descendants,
  element,
  findChild,
  isElement,
  parseXml,
  serializeXml,
  textElement,
  textOf,
  type XmlElement,
} from "./xml.ts";

/**
 * The two shapes of a solution, both as maps of relative path → bytes:
 * - zip entries, as Dataverse exports them (solution.xml, customizations.xml, [Content_Types].xml, component files);
 * - the unpacked folder, as `pac solution unpack` writes it (Other/Solution.xml, Other/Customizations.xml,
 *   one XML file per component, data files beside them).
 * `zipToFolder` and `folderToZip` convert between them; the mapping is in
 * docs/format-notes.md, "Unpacked layout".
 */
export type SolutionFiles = Map<string, Buffer>;

export const zipRootFiles = {
  solution: "solution.xml",
  customizations: "customizations.xml",
  contentTypes: "[Content_Types].xml",
} as const;

/** Components that the unpacked layout moves out of customizations.xml into one file each. */
interface ComponentKind {
  /** Section element in customizations.xml, and the item element inside it. */
  section: string;
  item: string;
  /** The item's file in the unpacked folder. */
  itemFile(item: XmlElement, where: string): string;
  /** For an item file, the item's key (what `itemFile` was built from, and what items are ordered by); otherwise undefined. */
  itemKey(folderPath: string): string | undefined;
}

const componentKinds: ComponentKind[] = [
  {
    section: "Workflows",
    item: "Workflow",
    itemFile: (item, where) => `Workflows/${fileStem(path.posix.basename(requireItemText(item, "JsonFileName", where)), where)}.data.xml`,
    itemKey: (p) => /^Workflows\/([^/]+\.json)\.data\.xml$/.exec(p)?.[1],
  },
  {
    section: "CanvasApps",
    item: "CanvasApp",
    itemFile: (item, where) => `CanvasApps/${fileStem(requireItemText(item, "Name", where), where)}.meta.xml`,
    itemKey: (p) => /^CanvasApps\/([^/]+)\.meta\.xml$/.exec(p)?.[1],
  },
  {
    section: "Connectors",
    item: "Connector",
    itemFile: (item, where) => `Connectors/${fileStem(requireItemText(item, "name", where), where)}.xml`,
    itemKey: (p) => /^Connectors\/([^/]+)\.xml$/.exec(p)?.[1],
  },
];

// Exports keep connector data in Connector/; the unpacked layout keeps it in Connectors/ beside the element files.
function folderPathOf(zipPath: string): string {
  return zipPath.replace(/^Connector\//, "Connectors/");
}
function zipPathOf(folderPath: string): string {
  return folderPath.replace(/^Connectors\//, "Connector/");
}

/** Unpacks zip entries into the `pac solution unpack` layout. */
export function zipToFolder(entries: SolutionFiles): SolutionFiles {
  const solution = parseXml(requireEntry(entries, zipRootFiles.solution), zipRootFiles.solution);
  const customizations = parseXml(requireEntry(entries, zipRootFiles.customizations), zipRootFiles.customizations);
  const folder: SolutionFiles = new Map();
  const put = (folderPath: string, bytes: Buffer, from: string): void => {
    if (folder.has(folderPath)) throw new SolutionError(`${from}: two entries would unpack to the same file ${folderPath}`);
    folder.set(folderPath, bytes);
  };

  for (const kind of componentKinds) {
    const section = findChild(customizations, kind.section);
    if (section === undefined) continue;
    for (const item of childElements(section, kind.item)) {
      const file = kind.itemFile(item, `${zipRootFiles.customizations} <${kind.section}>`);
      // A detached element needs the xsi namespace its parent declared (xsi:nil attributes inside).
      const xsi = customizations.attributes["xmlns:xsi"];
      const detached = xsi === undefined ? item : { ...item, attributes: { "xmlns:xsi": xsi, ...item.attributes } };
      put(file, serializeXml(detached, "source"), `${zipRootFiles.customizations} <${kind.item}>`);
    }
    section.children = section.children.filter((c) => !(isElement(c) && c.name === kind.item));
  }
  put(sourceFiles.solution, serializeXml(solution, "source"), zipRootFiles.solution);
  put(sourceFiles.customizations, serializeXml(customizations, "source"), zipRootFiles.customizations);
  const rootFiles = new Set<string>(Object.values(zipRootFiles));
  for (const [name, bytes] of entries) {
    if (!rootFiles.has(name)) put(folderPathOf(name), bytes, name);
  }
  return folder;
}

export interface FolderToZipOptions {
  /** Sets `<Managed>`: 0 for an unmanaged, 1 for a managed package. Without it the folder's value is kept. */
  packageType?: "unmanaged" | "managed";
}

/**
 * Packs an unpacked folder into zip entries in the order Dataverse exports them:
 * customizations.xml, [Content_Types].xml, solution.xml, then the files the components point to
 * (in the order customizations.xml mentions them), then any other files by path.
 */
export function folderToZip(folder: SolutionFiles, options: FolderToZipOptions = {}): SolutionFiles {
  const solution = parseXml(requireEntry(folder, sourceFiles.solution), sourceFiles.solution);
  const customizations = parseXml(requireEntry(folder, sourceFiles.customizations), sourceFiles.customizations);
  if (options.packageType !== undefined) setManaged(solution, options.packageType === "managed" ? "1" : "0");

  const itemFiles = new Set<string>();
  for (const kind of componentKinds) {
    const files = [...folder.keys()]
      .flatMap((file) => {
        const key = kind.itemKey(file);
        return key === undefined ? [] : [{ file, key }];
      })
      .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0))
      .map(({ file }) => file);
    if (files.length === 0) continue;
    const section = findChild(customizations, kind.section);
    if (section === undefined) {
      throw new SolutionError(`${sourceFiles.customizations}: has no <${kind.section}> element for ${files.join(", ")}`);
    }
    for (const file of files) {
      const item = parseXml(folder.get(file)!, file);
      if (item.name !== kind.item) throw new SolutionError(`${file}: root element is <${item.name}>, expected <${kind.item}>`);
      // The namespace is declared once on customizations.xml's root.
      delete item.attributes["xmlns:xsi"];
      section.children.push(item);
      itemFiles.add(file);
    }
  }
  for (const file of folder.keys()) {
    if (file.startsWith("Other/") && file !== sourceFiles.solution && file !== sourceFiles.customizations) {
      throw new SolutionError(`${file}: not supported; only ${sourceFiles.solution} and ${sourceFiles.customizations} are read from Other/`);
    }
  }

  // Data files: everything but Other/ and the component element files. [Content_Types].xml is always regenerated.
  const dataFiles = new Set(
    [...folder.keys()].filter((f) => !f.startsWith("Other/") && !itemFiles.has(f) && f !== zipRootFiles.contentTypes),
  );
  const referenced: string[] = [];
  for (const el of descendants(customizations)) {
    const text = textOf(el).trim();
    if (!text.startsWith("/")) continue;
    const zipPath = text.slice(1);
    if (dataFiles.has(folderPathOf(zipPath)) && !referenced.includes(zipPath)) referenced.push(zipPath);
  }
  const rest = [...dataFiles]
    .map(zipPathOf)
    .filter((z) => !referenced.includes(z))
    .sort();
  const componentEntries = [...referenced, ...rest].map((z) => [z, folder.get(folderPathOf(z))!] as const);
  const names = [zipRootFiles.customizations, zipRootFiles.contentTypes, zipRootFiles.solution, ...componentEntries.map(([z]) => z)];
  return new Map<string, Buffer>([
    [zipRootFiles.customizations, serializeXml(customizations, "export")],
    [zipRootFiles.contentTypes, contentTypesXml(names)],
    [zipRootFiles.solution, serializeXml(solution, "export")],
    ...componentEntries,
  ]);
}

/**
 * `[Content_Types].xml`: one `Default` per file extension in order of first appearance, spelled as in
 * the names (`Png`, `Jpeg`), and one `Override` per part without an extension; all
 * application/octet-stream; UTF-8 BOM, declaration, one line (EX-A, EX-B).
 */
export function contentTypesXml(entryNames: readonly string[]): Buffer {
  const contentType = "application/octet-stream";
  const extensions: string[] = [];
  const extensionless: string[] = [];
  for (const name of entryNames) {
    const base = path.posix.basename(name);
    const dot = base.lastIndexOf(".");
    if (dot > 0) {
      const ext = base.slice(dot + 1);
      if (!extensions.includes(ext)) extensions.push(ext);
    } else {
      extensionless.push(name);
    }
  }
  const types = element("Types", { xmlns: "http://schemas.openxmlformats.org/package/2006/content-types" }, [
    ...extensions.map((ext) => element("Default", { Extension: ext, ContentType: contentType })),
    ...extensionless.map((name) => element("Override", { PartName: `/${name}`, ContentType: contentType })),
  ]);
  return serializeXml(types, "single-line");
}

function setManaged(solution: XmlElement, value: "0" | "1"): void {
  const manifest = findChild(solution, "SolutionManifest");
  const managed = manifest && findChild(manifest, "Managed");
  if (manifest === undefined || managed === undefined) {
    throw new SolutionError(`${sourceFiles.solution}: <SolutionManifest><Managed> is missing`);
  }
  manifest.children[manifest.children.indexOf(managed)] = textElement("Managed", value);
}

function requireEntry(files: SolutionFiles, name: string): Buffer {
  const bytes = files.get(name);
  if (bytes === undefined) throw new SolutionError(`not a solution: ${name} is missing`);
  return bytes;
}

function requireItemText(item: XmlElement, name: string, where: string): string {
  const value = childText(item, name)?.trim();
  if (!value) throw new SolutionError(`${where}: a <${item.name}> has no <${name}>`);
  return value;
}

/** A component name used as a file name must stay one file name: no separators, not `.` or `..`. */
function fileStem(value: string, where: string): string {
  if (/[/\\]/.test(value) || value === "." || value === "..") throw new SolutionError(`${where}: "${value}" cannot be used as a file name`);
  return value;
}
