import { readFileSync } from "node:fs";
import path from "node:path";
import { GatewayError } from "./errors.ts";

/**
 * The two documents the gateway runs: `apiDefinition.swagger.json` and `apiProperties.json`, parsed.
 * A `CompiledConnector` (src/compile/package.ts) is one, so the build's output can be run without writing it.
 */
export interface ConnectorPackage {
  readonly definition: Record<string, unknown>;
  readonly properties: Record<string, unknown>;
}

export const definitionFile = "apiDefinition.swagger.json";
export const propertiesFile = "apiProperties.json";

/** Reads a compiled connector folder (`dist/connector`, or a connector folder of the certified repository). */
export function loadPackage(dir: string): ConnectorPackage {
  return {
    definition: readJsonObject(path.join(dir, definitionFile)),
    properties: readJsonObject(path.join(dir, propertiesFile)),
  };
}

function readJsonObject(file: string): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (err) {
    const reason = (err as NodeJS.ErrnoException).code === "ENOENT" ? "file not found" : (err as Error).message;
    throw new GatewayError("package", `cannot read ${file}: ${reason}`);
  }
  // Files saved by Windows tools often start with a byte order mark, which JSON.parse rejects.
  const json = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch (err) {
    throw new GatewayError("package", `${file}${jsonErrorPosition(json, err as Error)}: not valid JSON: ${(err as Error).message}`);
  }
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    throw new GatewayError("package", `${file}: expected a JSON object at the top level`);
  }
  return value as Record<string, unknown>;
}

/** `:line:column` of a JSON.parse error, from the "at position N" V8 puts in its message. */
function jsonErrorPosition(text: string, err: Error): string {
  const offset = /at position (\d+)/.exec(err.message)?.[1];
  if (offset === undefined) return "";
  const before = text.slice(0, Number(offset)).split("\n");
  return `:${before.length}:${(before[before.length - 1]?.length ?? 0) + 1}`;
}
