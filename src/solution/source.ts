import { readFileSync } from "node:fs";
import path from "node:path";
import { errorCodes } from "../errors/index.ts";
import { SolutionError } from "./errors.ts";
import { guidPattern } from "./names.ts";
import { parseSolutionVersion, type SolutionVersion } from "./version.ts";
import { childElements, childText, findChild, parseXml, type XmlElement } from "./xml.ts";

/**
 * The connector solution's own metadata, committed in `solution/` in the layout `pac solution unpack`
 * writes. Other/Solution.xml holds the identity (unique name, version, publisher, the connector's GUID and
 * schema name as its RootComponent); Other/Customizations.xml the empty component sections. The connector's
 * files are not here: the build generates them from the compiled connector. Nothing that uses the connector
 * (connection references, flows) may be here either: it goes into the flows solution, which the build
 * derives from this one (custom connectors import in a solution of their own; docs/platform-assumptions.md).
 */
export const sourceFiles = {
  solution: "Other/Solution.xml",
  customizations: "Other/Customizations.xml",
} as const;

/** Component type of a custom connector in RootComponents (every real export; docs/format-notes.md, "Solution zip"). */
export const connectorComponentType = "372";

export interface SolutionSource {
  /** Where the files were read from, for messages (e.g. `solution`). */
  dir: string;
  solutionXml: XmlElement;
  customizationsXml: XmlElement;
  manifest: SolutionManifest;
}

export interface SolutionManifest {
  uniqueName: string;
  displayName: string;
  version: SolutionVersion;
  publisher: { uniqueName: string; prefix: string; optionValuePrefix: number };
  /** The connector's Dataverse identity: `{id}` and schemaName of the type-372 RootComponent. */
  connector: { id: string; schemaName: string };
}

export function readSolutionSource(dir: string): SolutionSource {
  const read = (file: string): Buffer => {
    const full = path.join(dir, file);
    try {
      return readFileSync(full);
    } catch (err) {
      const reason = (err as NodeJS.ErrnoException).code === "ENOENT" ? "file not found" : ((err as NodeJS.ErrnoException).code ?? (err as Error).message);
      throw new SolutionError(`cannot read ${full}: ${reason}`, errorCodes.unreadable);
    }
  };
  return parseSolutionSource({ solution: read(sourceFiles.solution), customizations: read(sourceFiles.customizations) }, dir);
}

export function parseSolutionSource(files: { solution: Buffer; customizations: Buffer }, dir: string): SolutionSource {
  const solutionFile = path.join(dir, sourceFiles.solution);
  const customizationsFile = path.join(dir, sourceFiles.customizations);
  const solutionXml = parseXml(files.solution, solutionFile);
  const customizationsXml = parseXml(files.customizations, customizationsFile);
  const solutionManifest = requireChild(solutionXml, "SolutionManifest", solutionFile, "<ImportExportXml>");
  const publisher = requireChild(solutionManifest, "Publisher", solutionFile, "<SolutionManifest>");
  const connector = readConnectorRootComponent(solutionManifest, solutionFile);
  const prefix = readPrefix(publisher, solutionFile);
  const manifest: SolutionManifest = {
    uniqueName: readUniqueName(solutionManifest, solutionFile, "<SolutionManifest>"),
    displayName: readLocalizedName(solutionManifest, solutionFile, "<SolutionManifest>"),
    version: parseSolutionVersion(
      requireText(solutionManifest, "Version", solutionFile, "<SolutionManifest>"),
      `${solutionFile} <SolutionManifest><Version>`,
    ),
    publisher: {
      uniqueName: readUniqueName(publisher, solutionFile, "<Publisher>"),
      prefix,
      optionValuePrefix: readOptionValuePrefix(publisher, solutionFile),
    },
    connector,
  };
  refuseDependents(customizationsXml, customizationsFile);
  return { dir, solutionXml, customizationsXml, manifest };
}

function requireChild(parent: XmlElement, name: string, file: string, where: string): XmlElement {
  const child = findChild(parent, name);
  if (child === undefined) throw new SolutionError(`${file}: ${where} has no <${name}> element`);
  return child;
}

function requireText(parent: XmlElement, name: string, file: string, where: string): string {
  const text = childText(parent, name)?.trim();
  if (!text) throw new SolutionError(`${file}: ${where}<${name}> is missing or empty`);
  return text;
}

// Dataverse unique names: a letter or underscore, then letters, digits and underscores.
function readUniqueName(parent: XmlElement, file: string, where: string): string {
  const value = requireText(parent, "UniqueName", file, where);
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(value)) {
    throw new SolutionError(`${file}: ${where}<UniqueName> "${value}" may only contain letters, digits and underscores, and must not start with a digit`);
  }
  return value;
}

function readLocalizedName(manifest: XmlElement, file: string, where: string): string {
  const names = findChild(manifest, "LocalizedNames");
  const name = names && childElements(names, "LocalizedName")[0]?.attributes.description?.trim();
  if (!name) throw new SolutionError(`${file}: ${where}<LocalizedNames><LocalizedName description="…"> is missing or empty`);
  return name;
}

/**
 * The publisher prefix starts every name the solution adds (connector, connection reference,
 * environment variables). Dataverse accepts 2-8 letters and digits starting with a letter, not "mscrm".
 */
function readPrefix(publisher: XmlElement, file: string): string {
  const where = "<Publisher><CustomizationPrefix>";
  const prefix = childText(publisher, "CustomizationPrefix")?.trim();
  if (!prefix) {
    throw new SolutionError(`${file}: ${where} is missing or empty; set the publisher's prefix (2-8 lower-case letters and digits, e.g. "contoso")`);
  }
  if (!/^[a-z][a-z0-9]{1,7}$/.test(prefix) || prefix.startsWith("mscrm")) {
    throw new SolutionError(
      `${file}: ${where} "${prefix}" is not a valid publisher prefix; use 2-8 lower-case letters and digits, starting with a letter and not with "mscrm"`,
    );
  }
  return prefix;
}

function readOptionValuePrefix(publisher: XmlElement, file: string): number {
  const where = "<Publisher><CustomizationOptionValuePrefix>";
  const text = childText(publisher, "CustomizationOptionValuePrefix")?.trim() ?? "";
  const value = Number(text);
  if (!/^\d{5}$/.test(text) || value < 10000) {
    throw new SolutionError(`${file}: ${where} "${text}" is not valid; expected a whole number from 10000 to 99999`);
  }
  return value;
}

function readConnectorRootComponent(manifest: XmlElement, file: string): SolutionManifest["connector"] {
  const rootComponents = findChild(manifest, "RootComponents");
  const connectors = rootComponents
    ? childElements(rootComponents, "RootComponent").filter((c) => c.attributes.type === connectorComponentType)
    : [];
  if (connectors.length !== 1) {
    throw new SolutionError(
      `${file}: <RootComponents> must list exactly one connector (<RootComponent type="372" id="{GUID}" schemaName="…" behavior="0" />), found ${connectors.length}`,
    );
  }
  const { id = "", schemaName = "" } = connectors[0]!.attributes;
  const guid = /^\{(.*)\}$/.exec(id)?.[1] ?? "";
  if (!guidPattern.test(guid)) {
    throw new SolutionError(`${file}: <RootComponent type="372"> id "${id}" is not a GUID in braces, e.g. {08af0b0f-9c95-4851-8e69-6fa42c1809db}`);
  }
  if (schemaName === "") throw new SolutionError(`${file}: <RootComponent type="372"> has no schemaName`);
  return { id: guid.toLowerCase(), schemaName };
}

/**
 * The connector solution holds the connector and nothing that depends on it: Microsoft documents that a
 * solution holding a custom connector and the connection references or flows that use it fails to import.
 */
function refuseDependents(customizations: XmlElement, file: string): void {
  for (const [section, item, what] of [
    ["connectionreferences", "connectionreference", "connection reference"],
    ["Workflows", "Workflow", "flow"],
  ] as const) {
    const sectionElement = findChild(customizations, section);
    const found = sectionElement ? childElements(sectionElement, item) : [];
    if (found.length > 0) {
      throw new SolutionError(
        `${file}: <${section}> holds ${found.length} ${what}(s); the connector solution must hold the connector only. ` +
          "Connection references and flows belong in the flows solution, which the build generates and which is imported after the connector solution",
      );
    }
  }
}
