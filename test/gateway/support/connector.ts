/**
 * Our connector as the gateway runs it: compiled from connector/ in memory, exactly the bytes
 * `npm run build` writes (so a stale or missing dist/connector cannot change what the tests see).
 */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { compileConnector } from "../../../src/compile/index.ts";
import { placeholderConfig } from "../../../src/compile/config.ts";
import type { CompiledConnector } from "../../../src/compile/package.ts";
import { repoRoot } from "../../support/shared.ts";

export function connectorPackage(): CompiledConnector {
  return compileConnector(path.join(repoRoot, "connector"), placeholderConfig).connector;
}

/** A package folder for the CLI's --package, written to a temporary folder. */
export function connectorPackageDir(): string {
  const dir = mkdtempSync(path.join(tmpdir(), "fno-gateway-"));
  for (const [name, bytes] of connectorPackage().files) writeFileSync(path.join(dir, name), bytes);
  return dir;
}
