import { existsSync, readdirSync } from "node:fs";
import { writeFolderAtomically } from "../compile/write.ts";
import { SolutionError } from "./errors.ts";
import { zipToFolder, type SolutionFiles } from "./layout.ts";
import { readZip, type ZipLimits } from "../zip/index.ts";

/** Reads a solution zip (ours or any Dataverse export) into the `pac solution unpack` layout. */
export async function unpackSolution(zipBytes: Buffer, source: string, limits?: ZipLimits): Promise<SolutionFiles> {
  return zipToFolder(await readZip(zipBytes, source, limits));
}

/**
 * Writes an unpacked solution into `dir`, which must not exist or be empty: unpacking over other files
 * would mix two solutions. The folder appears whole or not at all, and holds only the solution's files
 * (no output marker): it is what `pac solution pack --folder` reads.
 */
export function writeUnpackedSolution(dir: string, files: SolutionFiles): void {
  if (existsSync(dir) && readdirSync(dir).length > 0) {
    throw new SolutionError(`${dir}: folder is not empty; unpack into a new or empty folder`);
  }
  writeFolderAtomically(dir, files, { marker: false });
}
