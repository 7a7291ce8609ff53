import path from "node:path";
import { compileConnector, type Compilation } from "./index.ts";
import { readBuildConfig, type BuildConfig } from "./config.ts";
import { writeFolderAtomically } from "./write.ts";
import { validateDocuments } from "../validate/index.ts";
import type { Finding } from "../validate/finding.ts";

export interface BuildResult {
  compilation: Compilation;
  config: BuildConfig;
  findings: Finding[];
  /** Where the package was written; undefined when validation failed and nothing was written. */
  outDir: string | undefined;
}

/**
 * source → validated package on disk. Findings point at the source lines (the compiled JSON keeps the
 * source's structure, so a pointer into it is a pointer into the bundled source). The previous output
 * stays untouched unless the new package has no errors.
 */
export function buildConnector(projectRoot: string, sourceDir: string, outDir: string): BuildResult {
  const config = readBuildConfig(projectRoot);
  const compilation = compileConnector(sourceDir, config);
  const { connector, sources } = compilation;
  const findings = validateDocuments(
    { definition: connector.definition, properties: connector.properties },
    { apiDefinition: sources.definition.locate, apiProperties: sources.properties.locate },
  );
  if (findings.some((f) => f.severity === "error")) return { compilation, config, findings, outDir: undefined };
  writeFolderAtomically(outDir, connector.files);
  return { compilation, config, findings, outDir };
}

/** The `pac connector create` command that uploads a package folder. */
export function pacCreateCommand(outDir: string, cwd: string = process.cwd()): string {
  const file = (name: string) => JSON.stringify(path.relative(cwd, path.join(outDir, name)) || ".");
  return [
    "pac connector create",
    `--api-definition-file ${file("apiDefinition.swagger.json")}`,
    `--api-properties-file ${file("apiProperties.json")}`,
    `--icon-file ${file("icon.png")}`,
  ].join(" ");
}
