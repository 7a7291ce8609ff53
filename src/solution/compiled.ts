import { readPackageDocuments, readPackageFiles } from "../connector/index.ts";
import type { CompiledConnector } from "../compile/package.ts";
import { errorCodes } from "../errors/index.ts";
import { SpecLoadError } from "../spec/load.ts";
import { SolutionError } from "./errors.ts";

/**
 * Reads a written connector package (dist/connector) back into a CompiledConnector with the model's
 * package reader, so `pack` and `deploy --connector` use exactly the files the build wrote.
 */
export function readCompiledConnector(dir: string): CompiledConnector {
  try {
    const files = readPackageFiles(dir);
    const { definition, properties } = readPackageDocuments(dir);
    return { definition, properties, files };
  } catch (err) {
    if (err instanceof SpecLoadError) throw new SolutionError(`${err.message}; run \`npm run build\` first to compile the connector`, errorCodes.unreadable);
    throw err;
  }
}
