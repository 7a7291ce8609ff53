/**
 * False-positive check: every certified and independent-publisher connector in the shared corpus passed
 * Microsoft's validator when it was merged, so our error-level rules must let (almost) all of them through.
 * Prints the share and the reasons for the rest, for the project's report.
 */
import { createHash } from "node:crypto";
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { loadSpec, SpecLoadError } from "../../src/spec/load.ts";
import { connectorLayouts, validateDirectory, validateDocuments, type Finding } from "../../src/validate/index.ts";
import { corpusDir, hasShared } from "../support/shared.ts";

const names = connectorLayouts.package;

/**
 * Reads a package the fast way (JSON.parse, no source positions) when it is strict JSON, else through the
 * loader the CLI uses (which reads JSON as YAML, so it also takes trailing commas); the load error when unreadable.
 */
function readPackage(dir: string): { definition: unknown; properties: unknown } | SpecLoadError {
  const read = (file: string) => {
    const full = path.join(dir, file);
    try {
      return JSON.parse(readFileSync(full, "utf8").replace(/^\uFEFF/, "")) as unknown;
    } catch {
      return loadSpec(full, { externalRefs: "keep" }).value;
    }
  };
  try {
    return { definition: read(names.definition), properties: read(names.properties) };
  } catch (error) {
    if (error instanceof SpecLoadError) return error;
    throw error;
  }
}

/**
 * Which half a connector is in, by a hash of its folder name: rules were shaped on the "shaping" half and measured
 * on the "held-out" half, so the held-out figure says how the rules do on connectors they were not shaped on.
 */
export function corpusHalf(name: string): "shaping" | "held-out" {
  return (createHash("sha256").update(name).digest()[0]! & 1) === 0 ? "shaping" : "held-out";
}

const strictJsonFails = (file: string) => {
  try {
    JSON.parse(readFileSync(file, "utf8").replace(/^\uFEFF/, ""));
    return false;
  } catch {
    return true;
  }
};

describe.skipIf(!hasShared)("certified connector corpus", () => {
  interface Result {
    name: string;
    unreadable: SpecLoadError | undefined;
    findings: Finding[];
  }
  let connectors: string[] = [];
  let results: Result[] = [];
  let readable: Result[] = [];
  let failing: Result[] = [];

  beforeAll(() => {
    connectors = readdirSync(corpusDir, { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => e.name).sort();
    results = connectors.map((name) => {
      const read = readPackage(path.join(corpusDir, name));
      return read instanceof SpecLoadError
        ? { name, unreadable: read, findings: [] }
        : { name, unreadable: undefined, findings: validateDocuments(read) };
    });
    readable = results.filter((r) => !r.unreadable);
    failing = readable.filter((r) => r.findings.some((f) => f.severity === "error"));
  });

  it("lets at least 99.5% of the readable connectors of each half through with no error finding", () => {
    const share = (readable.length - failing.length) / readable.length;
    const halves = (["shaping", "held-out"] as const).map((half) => {
      const inHalf = readable.filter((r) => corpusHalf(r.name) === half);
      const clean = inHalf.filter((r) => !failing.includes(r)).length;
      return { half, share: clean / inHalf.length, text: `${half}: ${clean}/${inHalf.length} (${((100 * clean) / inHalf.length).toFixed(1)}%)` };
    });
    const reasons = new Map<string, { connectors: Set<string>; sample: string }>();
    for (const { name, findings } of failing) {
      for (const f of findings.filter((x) => x.severity === "error")) {
        const reason = reasons.get(f.rule) ?? { connectors: new Set<string>(), sample: `${name}: ${f.message} (${f.pointer})` };
        reason.connectors.add(name);
        reasons.set(f.rule, reason);
      }
    }
    const report = [
      `corpus: ${connectors.length} connectors, ${readable.length} readable, ${readable.length - failing.length} with no error finding ` +
        `(${(share * 100).toFixed(1)}% of the readable, ${((100 * (readable.length - failing.length)) / connectors.length).toFixed(1)}% of all); ` +
        halves.map((h) => h.text).join(", "),
      ...[...reasons].sort((a, b) => b[1].connectors.size - a[1].connectors.size).map(
        ([rule, r]) => `  ${rule}: ${r.connectors.size} connector(s), e.g. ${r.sample}`,
      ),
      ...results.filter((r) => r.unreadable).map((r) => `  unreadable: ${r.name}: ${r.unreadable!.message.replace(corpusDir + "/", "")}`),
    ];
    console.log(report.join("\n"));
    expect(connectors.length).toBeGreaterThan(400);
    for (const { half, share: halfShare } of halves) expect(halfShare, half).toBeGreaterThanOrEqual(0.995);
  });

  it("calls a connector unreadable only when its JSON is really broken, and says where", () => {
    for (const { name, unreadable } of results.filter((r) => r.unreadable)) {
      expect(unreadable!.kind, name).toBe("syntax");
      expect(strictJsonFails(unreadable!.position!.file), name).toBe(true);
      expect(unreadable!.position!.line, name).toBeGreaterThan(0);
    }
    // Broken JSON is rare; more would mean our loader rejects valid files.
    expect(results.length - readable.length).toBeLessThanOrEqual(Math.ceil(connectors.length * 0.02));
  });

  it("finds the same things through validateDirectory, with a line for each finding", () => {
    // One in twenty: loading with source positions costs ten times more than JSON.parse.
    for (const result of readable.filter((_, i) => i % 20 === 0)) {
      const report = validateDirectory(path.join(corpusDir, result.name));
      const key = (f: Finding) => `${f.rule} ${f.pointer} ${f.message}`;
      expect(report.findings.map(key).sort(), result.name).toEqual(result.findings.map(key).sort());
      expect(report.findings.every((f) => f.file !== undefined && f.line !== undefined), result.name).toBe(true);
    }
  });
});
