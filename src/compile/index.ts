import { readFileSync } from "node:fs";
import path from "node:path";
import { loadSpec, SpecLoadError, type LoadedSpec } from "../spec/load.ts";
import { joinPointer } from "../spec/pointer.ts";
import type { BuildConfig } from "./config.ts";
import type { PackageFileName } from "../connector/index.ts";
import type { CompiledConnector } from "./package.ts";

/** The source files of a connector folder. */
export const sourceFileNames = {
  definition: "apiDefinition.yaml",
  properties: "apiProperties.yaml",
  icon: "icon.png",
} as const;

export interface Compilation {
  connector: CompiledConnector;
  /** The loaded sources, so findings on the compiled documents can point back at source lines. */
  sources: { definition: LoadedSpec; properties: LoadedSpec };
}

/**
 * Compiles a connector source folder into the package Power Platform uploads. Pure apart from reading
 * the sources: the same sources and configuration always give the same bytes.
 */
export function compileConnector(sourceDir: string, config: BuildConfig): Compilation {
  const definition = loadSpec(path.join(sourceDir, sourceFileNames.definition));
  const properties = loadSpec(path.join(sourceDir, sourceFileNames.properties));
  const iconFile = path.join(sourceDir, sourceFileNames.icon);
  let icon: Buffer;
  try {
    icon = readFileSync(iconFile);
  } catch {
    throw new SpecLoadError("io", `cannot read ${iconFile}: file not found`);
  }

  const definitionDoc = asObject(definition);
  const propertiesDoc = fillPlaceholders(asObject(properties), { clientId: config.clientId, resourceUri: config.resourceUri }, properties, "") as Record<
    string,
    unknown
  >;
  const settings = {
    apiDefinition: "apiDefinition.swagger.json",
    apiProperties: "apiProperties.json",
    icon: "icon.png",
  };

  const files = new Map<PackageFileName, Buffer>([
    ["apiDefinition.swagger.json", jsonBytes(definitionDoc)],
    ["apiProperties.json", jsonBytes(propertiesDoc)],
    ["icon.png", icon],
    ["settings.json", jsonBytes(settings)],
  ]);
  return { connector: { definition: definitionDoc, properties: propertiesDoc, files }, sources: { definition, properties } };
}

/** The serialisation of every JSON file of the package: two-space indent, key order as in the source, final newline. */
export function jsonBytes(value: unknown): Buffer {
  return Buffer.from(JSON.stringify(value, null, 2) + "\n", "utf8");
}

function asObject(spec: LoadedSpec): Record<string, unknown> {
  if (spec.value === null || typeof spec.value !== "object" || Array.isArray(spec.value)) {
    throw new SpecLoadError("syntax", "expected a mapping at the top level", { file: spec.file, line: 1, column: 1 });
  }
  return spec.value as Record<string, unknown>;
}

/**
 * Replaces the build-time placeholders `{{clientId}}` and `{{resourceUri}}`. Any other `{{…}}` is an error:
 * Power Platform has no such templates (in public connectors they are publishers' redactions), so one
 * left in the package would reach the platform as literal text.
 */
function fillPlaceholders(value: unknown, values: Record<string, string>, spec: LoadedSpec, pointer: string): unknown {
  if (typeof value === "string") {
    return value.replace(/\{\{([^}]*)\}\}/g, (whole, name: string) => {
      const filled = values[name];
      if (filled === undefined) {
        const known = Object.keys(values).map((k) => `{{${k}}}`).join(", ");
        throw new SpecLoadError("syntax", `"${whole}" at ${pointer} is not a build placeholder (known: ${known})`, spec.locate(pointer), pointer);
      }
      return filled;
    });
  }
  if (Array.isArray(value)) return value.map((item, i) => fillPlaceholders(item, values, spec, joinPointer(pointer, i)));
  if (value !== null && typeof value === "object") {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, fillPlaceholders(v, values, spec, joinPointer(pointer, k))]));
  }
  return value;
}
