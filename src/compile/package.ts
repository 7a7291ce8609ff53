import type { PackageFileName } from "../connector/index.ts";

/**
 * The compiled connector: the files `pac connector create` and paconn upload, as exact bytes,
 * plus the parsed documents they were serialised from. Everything downstream (types, solution,
 * gateway) starts from this, never from the source YAML.
 */
export interface CompiledConnector {
  /** `apiDefinition.swagger.json` as an object (Swagger 2.0, every external $ref inlined). */
  definition: Record<string, unknown>;
  /** `apiProperties.json` as an object. */
  properties: Record<string, unknown>;
  /** The exact bytes of each file of `dist/connector`, by file name. */
  files: ReadonlyMap<PackageFileName, Buffer>;
}

