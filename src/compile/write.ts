import { mkdirSync, renameSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";

/**
 * Writes a set of files as a whole folder: first into a sibling temporary folder, then swapped into place.
 * A failure at any point leaves the previous folder as it was.
 */
export function writeFolderAtomically(outDir: string, files: ReadonlyMap<string, Buffer>): void {
  const parent = path.dirname(outDir);
  mkdirSync(parent, { recursive: true });
  const staging = path.join(parent, `.${path.basename(outDir)}.tmp-${process.pid}`);
  const previous = path.join(parent, `.${path.basename(outDir)}.old-${process.pid}`);
  rmSync(staging, { recursive: true, force: true });
  try {
    mkdirSync(staging);
    for (const [name, bytes] of files) {
      const target = path.join(staging, name);
      if (path.relative(staging, target).startsWith("..")) throw new Error(`refusing to write outside ${outDir}: ${name}`);
      mkdirSync(path.dirname(target), { recursive: true });
      writeFileSync(target, bytes);
    }
    rmSync(previous, { recursive: true, force: true });
    let hadPrevious = true;
    try {
      renameSync(outDir, previous);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "ENOENT") throw err;
      hadPrevious = false;
    }
    try {
      renameSync(staging, outDir);
    } catch (err) {
      if (hadPrevious) renameSync(previous, outDir);
      throw err;
    }
    rmSync(previous, { recursive: true, force: true });
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
}
