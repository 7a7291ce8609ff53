import { readFileSync } from "node:fs";
import path from "node:path";
import { isDeepStrictEqual } from "node:util";
import { compileConnector } from "../../src/compile/index.ts";
import type { CompiledConnector } from "../../src/compile/package.ts";
import { parseSolutionSource, sourceFiles, type SolutionSource } from "../../src/solution/index.ts";
import { readZip } from "../../src/zip/index.ts";
import { childElements, parseXml, type XmlElement } from "../../src/solution/xml.ts";
import { testConfig } from "../support/config.ts";
import { referenceDir, repoRoot } from "../support/shared.ts";

/** The project's connector, compiled as `npm run build` compiles it (client ID from a fixed test value). */
export function compiledConnector(): CompiledConnector {
  return compileConnector(path.join(repoRoot, "connector"), testConfig).connector;
}

export const solutionDir = path.join(repoRoot, "solution");

/** The committed solution source, optionally edited as text first (to make bad input from good). */
export function solutionSource(edit: { solution?: (xml: string) => string; customizations?: (xml: string) => string } = {}): SolutionSource {
  const read = (file: string, change?: (xml: string) => string): Buffer => {
    const text = readFileSync(path.join(solutionDir, file), "utf8");
    return Buffer.from(change ? change(text) : text, "utf8");
  };
  return parseSolutionSource(
    { solution: read(sourceFiles.solution, edit.solution), customizations: read(sourceFiles.customizations, edit.customizations) },
    solutionDir,
  );
}

/** The two real Dataverse exports in ../shared/reference/solutions (solution-format.md §0, EX-A and EX-B). */
export const realExports = {
  twoConnectors: "export-two-connectors.zip",
  connectorFlowCanvasApp: "export-connector-flow-canvasapp.zip",
} as const;

export function realExportBytes(name: string): Buffer {
  return readFileSync(path.join(referenceDir, "solutions", name));
}

export async function realExportEntries(name: string): Promise<Map<string, Buffer>> {
  return readZip(realExportBytes(name), name);
}

/** XML compared as parsed trees (element order, attributes and text; not whitespace, BOM or declaration). */
export function sameXml(a: Buffer, b: Buffer): boolean {
  return isDeepStrictEqual(parseXml(a, "a"), parseXml(b, "b"));
}

/** Child element names in order: the "shape" compared with real exports. */
export function childNames(el: XmlElement): string[] {
  return childElements(el).map((c) => c.name);
}

export function entry(entries: ReadonlyMap<string, Buffer>, name: string): Buffer {
  const bytes = entries.get(name);
  if (bytes === undefined) throw new Error(`no entry ${name}; entries: ${[...entries.keys()].join(", ")}`);
  return bytes;
}
