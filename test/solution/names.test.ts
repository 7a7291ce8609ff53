import { describe, expect, it } from "vitest";
import { bumpVersion, formatVersion, parseSolutionVersion, replaceSolutionXmlVersion, versionFileStem } from "../../src/solution/index.ts";
import { connectorApiName, connectorSchemaName, nameBasedGuid, workflowFileName } from "../../src/solution/names.ts";

// Expected values are the names in real exports (../shared/reference/solution-format.md §1.4, §1.5, §2.1).
describe("names derived like Dataverse's", () => {
  it.each([
    ["cttech", "CT Contract", "cttech_5Fct-20contract"],
    ["cttech", "CT Contract Search", "cttech_5Fct-20contract-20search"],
    ["cre80", "Kursy walut NBP", "cre80_5Fkursy-20walut-20nbp"],
    ["admin", "Office 365 Management API", "admin_5Foffice-20365-20management-20api"],
    ["cat", "CustomAzureDevOps", "cat_5Fcustomazuredevops"],
  ])("connector schema name of %s + %s is %s", (prefix, title, name) => {
    expect(connectorSchemaName(prefix, title)).toBe(name);
  });

  it("gives the API name before the environment's suffix", () => {
    // EX-B: shared_cre80-5fkursy-20walut-20nbp-5f9f745961df205669; EX-C: shared_cr1a6-5fshopify-5fb4ae2b78f4d4086f.
    expect(connectorApiName("cre80", "Kursy walut NBP")).toBe("shared_cre80-5fkursy-20walut-20nbp");
    expect(connectorApiName("cr1a6", "shopify")).toBe("shared_cr1a6-5fshopify");
  });

  it("names flow files as EX-B and the CoE kit do", () => {
    expect(workflowFileName("Flow dla konektora kursów walut", "8fde32d5-cf10-ed11-b83d-000d3ada9e5f")).toBe(
      "Flowdlakonektorakurswwalut-8FDE32D5-CF10-ED11-B83D-000D3ADA9E5F.json",
    );
    expect(workflowFileName("Admin | Add-Ons Alerts", "478af5fb-0000-0000-0000-000000000000")).toMatch(/^AdminAdd-OnsAlerts-478AF5FB-/);
  });

  it("makes stable version-5 GUIDs from names", () => {
    const a = nameBasedGuid("Solution/workflow/a");
    expect(a).toBe(nameBasedGuid("Solution/workflow/a"));
    expect(a).not.toBe(nameBasedGuid("Solution/workflow/b"));
    expect(a).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });
});

describe("solution versions", () => {
  const v = parseSolutionVersion("1.2.3.4", "test");

  it("bumps one part and resets the parts after it", () => {
    expect(formatVersion(bumpVersion(v, "major"))).toBe("2.0.0.0");
    expect(formatVersion(bumpVersion(v, "minor"))).toBe("1.3.0.0");
    expect(formatVersion(bumpVersion(v, "build"))).toBe("1.2.4.0");
    expect(formatVersion(bumpVersion(v, "revision"))).toBe("1.2.3.5");
    expect(versionFileStem(v)).toBe("1_2_3_4");
  });

  it("rewrites only the <Version> element of a Solution.xml text", () => {
    const text = "\uFEFF<?xml version=\"1.0\"?>\n<ImportExportXml version=\"9.2\">\n  <Version>1.2.3.4</Version>\n</ImportExportXml>\n";
    expect(replaceSolutionXmlVersion(text, bumpVersion(v, "build"), "Solution.xml")).toBe(text.replace("1.2.3.4", "1.2.4.0"));
    expect(() => replaceSolutionXmlVersion("<a/>", v, "Solution.xml")).toThrow(/exactly one <Version> element, found 0/);
  });
});
