import { existsSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

/**
 * Where the project's shared reference material lives (`../shared` beside the repository).
 * One setting, FNO_SHARED_DIR, overrides it; `.ci/run` sets it explicitly.
 */
const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
export const sharedDir = path.resolve(process.env.FNO_SHARED_DIR ?? path.join(repoRoot, "..", "shared"));

const present = existsSync(path.join(sharedDir, "README.md"));
if (!present && process.env.CI === "true") {
  throw new Error(`FNO_SHARED_DIR: shared material not found at ${sharedDir}; CI needs it (set FNO_SHARED_DIR).`);
}

/** True when ../shared is available; tests that need it use `describe.skipIf(!hasShared)`. */
export const hasShared = present;
if (!present) {
  console.warn(`[tests] shared material not found at ${sharedDir}: tests that read it are skipped (set FNO_SHARED_DIR).`);
}

export const corpusDir = path.join(sharedDir, "corpus", "powerplatform-connectors");
export const referenceDir = path.join(sharedDir, "reference");
export { repoRoot };
