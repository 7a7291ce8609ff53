import { readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { stringify } from "yaml";
import type { Docs } from "../validate/fixtures.ts";
import { tempDir } from "./support.ts";

/** A connector source folder (apiDefinition.yaml, apiProperties.yaml) holding `docs`, in `dir` or a new temporary folder. */
export function sourceFolder(docs: Docs, dir: string = tempDir("fno-connector-src-")): string {
  writeFileSync(path.join(dir, "apiDefinition.yaml"), stringify(docs.definition));
  writeFileSync(path.join(dir, "apiProperties.yaml"), stringify(docs.properties));
  return dir;
}

/** The 1-based number of the first line of `file` that contains `text`. */
export function lineOf(file: string, text: string): number {
  const index = readFileSync(file, "utf8").split("\n").findIndex((l) => l.includes(text));
  if (index < 0) throw new Error(`${file} has no line with ${JSON.stringify(text)}`);
  return index + 1;
}
