import { readFileSync } from "node:fs";
import path from "node:path";
import { packageFileNames, type CompiledConnector, type PackageFileName } from "../compile/package.ts";
import { SolutionError } from "./errors.ts";

/**
 * Reads a written connector package (dist/connector) back into a CompiledConnector, so `pack` and
 * `deploy --connector` use exactly the files the build wrote.
 */
export function readCompiledConnector(dir: string): CompiledConnector {
  const files = new Map<PackageFileName, Buffer>();
  for (const name of packageFileNames) {
    const file = path.join(dir, name);
    try {
      files.set(name, readFileSync(file));
    } catch {
      throw new SolutionError(`cannot read ${file}: run \`npm run build\` first to compile the connector`);
    }
  }
  return {
    definition: parseObject(files.get("apiDefinition.swagger.json")!, path.join(dir, "apiDefinition.swagger.json")),
    properties: parseObject(files.get("apiProperties.json")!, path.join(dir, "apiProperties.json")),
    files,
  };
}

function parseObject(bytes: Buffer, file: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(bytes.toString("utf8"));
  } catch (err) {
    throw new SolutionError(`${file}: not valid JSON (${(err as Error).message})`);
  }
  if (value === null || typeof value !== "object" || Array.isArray(value)) throw new SolutionError(`${file}: expected a JSON object`);
  return value as Record<string, unknown>;
}
