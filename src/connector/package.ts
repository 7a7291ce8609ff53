import { readFileSync } from "node:fs";
import path from "node:path";
import { loadSpec, SpecLoadError, type LoadedSpec } from "../spec/load.ts";

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

/** A package read from a folder: the documents, with source positions for messages. */
export interface PackageDocuments extends ConnectorPackage {
  readonly sources: { readonly definition: LoadedSpec; readonly properties: LoadedSpec };
}

/** Reads the two documents of a package folder; throws SpecLoadError naming the file (and line) when one cannot be read. */
export function readPackageDocuments(dir: string): PackageDocuments {
  const read = (name: PackageFileName): LoadedSpec => {
    // A package is self-contained: refs to other files stay as written (the validator reports them).
    const spec = loadSpec(path.join(dir, name), { externalRefs: "keep", duplicateKeys: "last-wins" });
    if (spec.value === null || typeof spec.value !== "object" || Array.isArray(spec.value)) {
      throw new SpecLoadError("syntax", `${spec.file}: expected a JSON object at the top level`);
    }
    return spec;
  };
  const definition = read(definitionFile);
  const properties = read(propertiesFile);
  return {
    definition: definition.value as Record<string, unknown>,
    properties: properties.value as Record<string, unknown>,
    sources: { definition, properties },
  };
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
