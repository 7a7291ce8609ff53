import { readPackageDocuments, type ConnectorPackage } from "../connector/index.ts";
import { errorCodes } from "../errors/index.ts";
import { SpecLoadError } from "../spec/load.ts";
import { GatewayError } from "./errors.ts";

export { definitionFile, propertiesFile, type ConnectorPackage } from "../connector/index.ts";

/**
 * Reads a compiled connector folder (`dist/connector`, or a connector folder of the certified repository)
 * with the model's package reader. A `CompiledConnector` (src/compile/package.ts) is a ConnectorPackage
 * too, so the build's output can be run without writing it.
 */
export function loadPackage(dir: string): ConnectorPackage {
  try {
    const { definition, properties } = readPackageDocuments(dir);
    return { definition, properties };
  } catch (err) {
    if (err instanceof SpecLoadError) throw new GatewayError("package", err.message, undefined, errorCodes.unreadable);
    throw err;
  }
}
