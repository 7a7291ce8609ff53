import { existsSync, statSync } from "node:fs";
import path from "node:path";
import { readPackageDocuments } from "../connector/index.ts";
import { loadSpec, SpecLoadError } from "../spec/load.ts";
import type { Finding } from "./finding.ts";
import { validateDocuments } from "./validate.ts";
import { readConfig, withLevels, type RuleLevels } from "./config.ts";
import { rules as allRules } from "./rules/index.ts";

/** The two layouts a connector folder can have: the YAML source we write, or a compiled package as Power Platform takes it. */
export const connectorLayouts = {
  source: { definition: "apiDefinition.yaml", properties: "apiProperties.yaml" },
  package: { definition: "apiDefinition.swagger.json", properties: "apiProperties.json" },
} as const;

export type ConnectorLayout = keyof typeof connectorLayouts;

export interface ValidationReport {
  /** Which layout the folder has, and the two files read. */
  layout: ConnectorLayout;
  files: { definition: string; properties: string };
  /** The folder's `.fno-validate.yaml`, when it has one. */
  config: string | undefined;
  /** The severity overrides in force: the config file's, then the caller's. */
  levels: RuleLevels;
  findings: Finding[];
  errorCount: number;
  warningCount: number;
}

/** Which layout `dir` holds; throws a SpecLoadError naming the folder when it holds neither. */
export function detectLayout(dir: string): ConnectorLayout {
  let isDirectory = false;
  try {
    isDirectory = statSync(dir).isDirectory();
  } catch {
    throw new SpecLoadError("io", `cannot read ${dir}: folder not found`);
  }
  if (!isDirectory) throw new SpecLoadError("io", `${dir} is not a folder (give the connector folder, not a file)`);
  for (const layout of ["source", "package"] as const) {
    if (existsSync(path.join(dir, connectorLayouts[layout].definition))) return layout;
  }
  const expected = Object.values(connectorLayouts).map((l) => l.definition).join(" or ");
  throw new SpecLoadError("io", `cannot read ${dir}: it has no ${expected}`);
}

/**
 * Validates the connector in `dir`. Both files are read with source positions, so every finding
 * carries the file and line it is about. Severities come from the rules, then the folder's config file, then
 * `levels` (the command line). Unreadable files, YAML/JSON syntax errors and a bad config throw SpecLoadError;
 * a key written twice is read as Power Platform reads it (the last value wins) and reported by duplicate-key.
 */
export function validateDirectory(dir: string, levels: RuleLevels = {}): ValidationReport {
  const layout = detectLayout(dir);
  const names = connectorLayouts[layout];
  const config = readConfig(dir, allRules);
  // A package is read by the model's one package reader (its refs to other files stay as written, for
  // ref-local); a source folder's YAML has its other files inlined, as the compiler reads it.
  const { definition, properties } =
    layout === "package"
      ? readPackageDocuments(dir).sources()
      : {
          definition: loadSpec(path.join(dir, names.definition), { duplicateKeys: "last-wins" }),
          properties: loadSpec(path.join(dir, names.properties), { duplicateKeys: "last-wins" }),
        };
  const duplicateKeys = [
    ...definition.duplicateKeys.map((pointer) => ({ document: "apiDefinition" as const, pointer })),
    ...properties.duplicateKeys.map((pointer) => ({ document: "apiProperties" as const, pointer })),
  ];
  const merged = { ...config.levels, ...levels };
  const findings = validateDocuments(
    { definition: definition.value, properties: properties.value, duplicateKeys },
    { apiDefinition: definition.locate, apiProperties: properties.locate },
    withLevels(allRules, merged),
  );
  return {
    layout,
    files: { definition: definition.file, properties: properties.file },
    config: config.file,
    levels: merged,
    findings,
    errorCount: findings.filter((f) => f.severity === "error").length,
    warningCount: findings.filter((f) => f.severity === "warning").length,
  };
}
