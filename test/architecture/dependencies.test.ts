/**
 * Dependencies run one way: spec → connector model → {validate, policies, gateway, solution}; the client and
 * the workflows never reach into the simulator, the gateway, the solution packer or the CLI (the demo's
 * wiring lives with the CLI); leaf modules import no other folder. Read from the sources' import lines.
 */
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { repoRoot } from "../support/shared.ts";

const src = path.join(repoRoot, "src");

/** Top-level folder → the other top-level folders its files import. */
function folderImports(): Map<string, Set<string>> {
  const graph = new Map<string, Set<string>>();
  for (const folder of readdirSync(src, { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => e.name)) {
    const targets = new Set<string>();
    const walk = (dir: string): void => {
      for (const entry of readdirSync(dir, { withFileTypes: true })) {
        const full = path.join(dir, entry.name);
        if (entry.isDirectory()) walk(full);
        else if (entry.name.endsWith(".ts")) {
          for (const [, spec] of readFileSync(full, "utf8").matchAll(/(?:^|\n)\s*(?:import|export)[^"'\n]*?from\s+["']([^"']+)["']/g)) {
            if (!spec!.startsWith(".")) continue;
            const target = path.relative(src, path.resolve(dir, spec!)).split(path.sep)[0]!;
            if (target !== folder && !target.startsWith("..")) targets.add(target);
          }
        }
      }
    };
    walk(path.join(src, folder));
    graph.set(folder, targets);
  }
  return graph;
}

/** A cycle through the folder graph, as a path, or undefined. */
function findCycle(graph: Map<string, Set<string>>): string[] | undefined {
  const state = new Map<string, "open" | "done">();
  const stack: string[] = [];
  const visit = (node: string): string[] | undefined => {
    if (state.get(node) === "done") return undefined;
    if (state.get(node) === "open") return [...stack.slice(stack.indexOf(node)), node];
    state.set(node, "open");
    stack.push(node);
    for (const next of graph.get(node) ?? []) {
      const cycle = visit(next);
      if (cycle) return cycle;
    }
    stack.pop();
    state.set(node, "done");
    return undefined;
  };
  for (const node of graph.keys()) {
    const cycle = visit(node);
    if (cycle) return cycle;
  }
  return undefined;
}

describe("dependencies between the folders of src/", () => {
  const graph = folderImports();

  it("have no cycle", () => {
    expect(findCycle(graph)).toBeUndefined();
  });

  it("keep the client and the workflows away from the simulator, the gateway, the solution packer and the CLI", () => {
    for (const folder of ["client", "workflows"]) {
      const forbidden = [...(graph.get(folder) ?? [])].filter((target) => ["simulator", "gateway", "solution", "cli", "dataverse"].includes(target));
      expect(forbidden, folder).toEqual([]);
    }
  });

  it("keep leaf modules leaves", () => {
    for (const leaf of ["errors", "http", "spec"]) expect([...(graph.get(leaf) ?? [])].filter((t) => t !== "errors"), leaf).toEqual([]);
    expect([...(graph.get("zip") ?? [])].filter((t) => t !== "errors")).toEqual([]);
  });

  it("can see a cycle when there is one", () => {
    expect(findCycle(new Map([["a", new Set(["b"])], ["b", new Set(["a"])]]))).toEqual(["a", "b", "a"]);
  });
});
