import { readFileSync } from "node:fs";
import path from "node:path";
import { loadSpec, readSourceText, SpecLoadError, type LoadedSpec } from "../spec/load.ts";

/**
 * A connector package as Power Platform takes it: `apiDefinition.swagger.json`, `apiProperties.json`, the
 * icon and paconn's `settings.json`. One reader for every command that reads a package folder (the
 * gateway's `invoke`, the solution's `pack` and `deploy`): JSON through the spec loader, so a byte order
 * mark is accepted, errors carry file, line and column, and a key written twice is read as the platform
 * reads it (the last value wins).
 */
export const packageFileNames = ["apiDefinition.swagger.json", "apiProperties.json", "icon.png", "settings.json"] as const;
export type PackageFileName = (typeof packageFileNames)[number];
export const definitionFile: PackageFileName = "apiDefinition.swagger.json";
export const propertiesFile: PackageFileName = "apiProperties.json";

/** The two documents an operation runs from. */
export interface ConnectorPackage {
  readonly definition: Record<string, unknown>;
  readonly properties: Record<string, unknown>;
}

/** A package read from a folder: the documents, and (on demand, it costs ten times the parse) their source positions. */
export interface PackageDocuments extends ConnectorPackage {
  sources(): { readonly definition: LoadedSpec; readonly properties: LoadedSpec };
}

/**
 * Reads the two documents of a package folder; throws SpecLoadError naming the file (and line) when one
 * cannot be read. Strict JSON is parsed as such (fast, a key written twice keeps its last value as the
 * platform's reader does); anything else goes through the spec loader, which reads what Newtonsoft reads
 * (trailing commas) and names the line of what it cannot.
 */
export function readPackageDocuments(dir: string): PackageDocuments {
  let loaded: { definition: LoadedSpec; properties: LoadedSpec } | undefined;
  const sources = () => (loaded ??= { definition: load(path.join(dir, definitionFile)), properties: load(path.join(dir, propertiesFile)) });
  const parse = (name: PackageFileName, pick: (s: ReturnType<typeof sources>) => LoadedSpec): Record<string, unknown> => {
    const file = path.join(dir, name);
    let value: unknown;
    try {
      value = JSON.parse(readSourceText(file).replace(/^\uFEFF/, ""));
    } catch (err) {
      if (err instanceof SpecLoadError) throw err;
      value = pick(sources()).value;
    }
    if (value === null || typeof value !== "object" || Array.isArray(value)) {
      throw new SpecLoadError("syntax", `${file}: expected a JSON object at the top level`);
    }
    return value as Record<string, unknown>;
  };
  return { definition: parse(definitionFile, (s) => s.definition), properties: parse(propertiesFile, (s) => s.properties), sources };
}

// A package is self-contained: refs to other files stay as written (the validator reports them).
function load(file: string): LoadedSpec {
  return loadSpec(file, { externalRefs: "keep", duplicateKeys: "last-wins" });
}

/** Every file of a package folder as bytes; throws SpecLoadError naming the first one missing. */
export function readPackageFiles(dir: string): Map<PackageFileName, Buffer> {
  const files = new Map<PackageFileName, Buffer>();
  for (const name of packageFileNames) {
    const file = path.join(dir, name);
    try {
      files.set(name, readFileSync(file));
    } catch (err) {
      const reason = (err as NodeJS.ErrnoException).code === "ENOENT" ? "file not found" : (err as Error).message;
      throw new SpecLoadError("io", `cannot read ${file}: ${reason}`);
    }
  }
  return files;
}
