import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { loadSpec, SpecLoadError, type SourcePosition } from "../spec/load.ts";
import { connectorLayouts, detectLayout } from "../validate/index.ts";
import type { ConnectorVersion, Side } from "./compare.ts";

export interface LoadedVersion extends ConnectorVersion {
  locate(side: Side): SourcePosition | undefined;
}

/** A connector folder (source or package) read as the validator reads it, with source positions. */
export function readConnector(dir: string): LoadedVersion {
  const layout = detectLayout(dir);
  const names = connectorLayouts[layout];
  const options = { externalRefs: layout === "package" ? "keep" : "inline", duplicateKeys: "last-wins" } as const;
  const definition = loadSpec(path.join(dir, names.definition), options);
  const properties = loadSpec(path.join(dir, names.properties), options);
  return {
    definition: definition.value,
    properties: properties.value,
    locate: (side) => (side.document === "apiDefinition" ? definition : properties).locate(side.pointer),
  };
}

/**
 * The connector folder `dir` as it was at git revision `ref`: the folder is extracted from `git archive` into a
 * temporary folder, read, and the temporary folder removed. Positions name the extracted files, so they are dropped.
 */
export function readConnectorAt(dir: string, ref: string): ConnectorVersion {
  const git = (args: string[], cwd: string) => execFileSync("git", args, { cwd, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] }).trim();
  let top: string;
  try {
    top = git(["rev-parse", "--show-toplevel"], dir);
  } catch {
    throw new SpecLoadError("io", `--against ${ref}: ${dir} is not inside a git work tree`);
  }
  const relative = path.relative(top, path.resolve(dir)) || ".";
  const out = mkdtempSync(path.join(tmpdir(), "fno-diff-"));
  try {
    try {
      const tar = execFileSync("git", ["archive", "--format=tar", ref, "--", relative], { cwd: top, maxBuffer: 64 * 1024 * 1024, stdio: ["ignore", "pipe", "pipe"] });
      execFileSync("tar", ["-x", "-C", out], { input: tar });
    } catch (error) {
      const stderr = String((error as { stderr?: Buffer }).stderr ?? "").trim().split("\n")[0];
      throw new SpecLoadError("io", `--against ${ref}: cannot read ${relative} at ${ref}${stderr ? `: ${stderr}` : ""}`);
    }
    const { definition, properties } = readConnector(path.join(out, relative));
    return { definition, properties };
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
}
