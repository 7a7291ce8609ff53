import { describe, expect, it } from "vitest";
import { rules, validateDocuments } from "../../src/validate/index.ts";
import { connector, ruleFixtures } from "./fixtures.ts";

describe("rule catalogue", () => {
  it("has a failing and a passing fixture for every rule, and no fixture without a rule", () => {
    const ids = rules.map((r) => r.id);
    expect(Object.keys(ruleFixtures).sort()).toEqual([...ids].sort());
  });

  it("gives every rule a unique kebab-case id, a severity and a one-line doc", () => {
    expect(new Set(rules.map((r) => r.id)).size).toBe(rules.length);
    for (const rule of rules) {
      expect(rule.id).toMatch(/^[a-z0-9]+(-[a-z0-9]+)*$/);
      expect(["error", "warning"]).toContain(rule.severity);
      expect(rule.doc.length).toBeGreaterThan(10);
      expect(rule.doc).not.toContain("\n");
    }
  });

  it("documents every rule: why, evidence with a link, a failing and a passing example", () => {
    for (const rule of rules) {
      expect(rule.why.length, rule.id).toBeGreaterThan(10);
      expect(rule.evidence.length, rule.id).toBeGreaterThan(0);
      for (const evidence of rule.evidence) expect(evidence.url, rule.id).toMatch(/^https:\/\//);
      expect(rule.example.fail, rule.id).not.toBe(rule.example.pass);
    }
  });

  it("makes a rule an error only on Microsoft's word: Learn, its schemas, or the gate in its connector repository's pull requests", () => {
    const platform = /^https:\/\/(learn\.microsoft\.com\/|github\.com\/microsoft\/PowerPlatformConnectors\/(pull|blob\/dev\/schemas)\/)/;
    for (const rule of rules.filter((r) => r.severity === "error")) {
      expect(rule.evidence.some((e) => platform.test(e.url)), rule.id).toBe(true);
    }
  });

  it("starts from a connector that passes every rule", () => {
    expect(validateDocuments(connector())).toEqual([]);
  });
});

describe.each(rules.map((rule) => [rule.id, rule] as const))("%s", (id, rule) => {
  const fixture = ruleFixtures[id];

  it("reports the failing fixture, and only under this rule", () => {
    const findings = validateDocuments(fixture!.fail);
    expect(findings.length).toBeGreaterThan(0);
    expect(findings.map((f) => f.rule)).toEqual(findings.map(() => id));
    expect(findings.every((f) => f.severity === rule.severity && f.message.length > 0)).toBe(true);
  });

  it("passes the passing fixture", () => {
    expect(validateDocuments(fixture!.pass)).toEqual([]);
  });
});
