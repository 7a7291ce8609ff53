/**
 * Our connector as the gateway runs it: `dist/connector` when `npm run build` has produced it, else the
 * same two documents read from the source with loadSpec (what the compiler serialises, placeholders aside).
 */
import { existsSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { definitionFile, loadPackage, propertiesFile, type ConnectorPackage } from "../../../src/gateway/index.ts";
import { loadSpec } from "../../../src/spec/load.ts";
import { repoRoot } from "../../support/shared.ts";

const distDir = path.join(repoRoot, "dist", "connector");

export function connectorPackage(): ConnectorPackage {
  if (existsSync(path.join(distDir, definitionFile))) return loadPackage(distDir);
  return {
    definition: loadSpec(path.join(repoRoot, "connector", "apiDefinition.yaml")).value as Record<string, unknown>,
    properties: loadSpec(path.join(repoRoot, "connector", "apiProperties.yaml")).value as Record<string, unknown>,
  };
}

/** A folder holding the package, for the CLI's --package: dist/connector, or the source documents written to a temporary folder. */
export function connectorPackageDir(): string {
  if (existsSync(path.join(distDir, definitionFile))) return distDir;
  const dir = mkdtempSync(path.join(tmpdir(), "fno-gateway-"));
  const pkg = connectorPackage();
  writeFileSync(path.join(dir, definitionFile), JSON.stringify(pkg.definition, null, 2));
  writeFileSync(path.join(dir, propertiesFile), JSON.stringify(pkg.properties, null, 2));
  return dir;
}
