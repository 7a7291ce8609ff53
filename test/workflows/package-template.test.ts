/** Wrapping a plain data file into a template package, as RIS does, and reading a package's manifest. */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { exitCodeOf } from "../../src/errors/index.ts";
import { PackageError, readPackageManifest } from "../../src/workflows/package-manifest.ts";
import { wrapInTemplate } from "../../src/workflows/package-template.ts";
import { readZip, writeZip, ZipReadError } from "../../src/zip/index.ts";

const work = mkdtempSync(path.join(tmpdir(), "fno-template-"));
let made = 0;
const scratch = (name: string) => path.join(work, `${made++}-${name}`);

/** A manifest shaped like F&O's: namespaces, an entity map and other elements that must survive the rewrite. */
function manifest(entities: { name: string; input?: string }[]): string {
  const entityXml = entities
    .map(
      (e) =>
        `    <DataManagementPackageEntityData>\r\n      <DefaultRefreshType>FullPush</DefaultRefreshType>\r\n      <EntityName>${e.name}</EntityName>\r\n` +
        (e.input === undefined ? "" : `      <InputFilePath>${e.input}</InputFilePath>\r\n`) +
        `      <SourceFormatName>CSV-Unicode</SourceFormatName>\r\n    </DataManagementPackageEntityData>\r\n`,
    )
    .join("");
  return (
    `\uFEFF<?xml version="1.0" encoding="utf-8"?>\r\n<DataManagementPackageManifest xmlns:i="http://www.w3.org/2001/XMLSchema-instance" xmlns="http://schemas.microsoft.com/dynamics/2015/01/DataManagement">\r\n` +
    `  <DefinitionGroupName>Customer groups &amp; more</DefinitionGroupName>\r\n  <PackageEntityList>\r\n${entityXml}  </PackageEntityList>\r\n</DataManagementPackageManifest>\r\n`
  );
}

async function zipFile(name: string, entries: Record<string, string>): Promise<string> {
  const file = scratch(name);
  writeFileSync(file, await writeZip(new Map(Object.entries(entries).map(([k, v]) => [k, Buffer.from(v)]))));
  return file;
}

/** A data file under its own name, in a folder of its own. */
function dataFile(name: string, content: string): string {
  const dir = scratch("data");
  mkdirSync(dir);
  const file = path.join(dir, name);
  writeFileSync(file, content);
  return file;
}

describe("wrapInTemplate", () => {
  it("puts the data file in the template under its own name, rewrites InputFilePath and drops the template's data file", async () => {
    const template = await zipFile("template.zip", {
      "Manifest.xml": manifest([{ name: "Customer groups", input: "Customer groups.csv" }]),
      "PackageHeader.xml": "<DataManagementPackageHeader/>",
      "Customer groups.csv": "CUSTGROUPID,DESCRIPTION\r\n10,stale rows from the template\r\n",
    });
    const data = dataFile("groups-2026-11.csv", "CUSTGROUPID,DESCRIPTION\r\n30,Intercompany\r\n");
    const out = scratch("wrapped.zip");
    const wrapped = await wrapInTemplate({ template, dataFile: data, out });
    expect(wrapped).toEqual({ file: out, entity: { name: "Customer groups", inputFilePath: "groups-2026-11.csv" }, dropped: ["Customer groups.csv"] });

    const entries = await readZip(readFileSync(out), out);
    expect([...entries.keys()].sort()).toEqual(["Manifest.xml", "PackageHeader.xml", "groups-2026-11.csv"]);
    expect(entries.get("groups-2026-11.csv")!.toString()).toBe("CUSTGROUPID,DESCRIPTION\r\n30,Intercompany\r\n");
    const rewritten = entries.get("Manifest.xml")!.toString();
    expect(rewritten).toContain("<InputFilePath>groups-2026-11.csv</InputFilePath>");
    expect(rewritten).not.toContain("Customer groups.csv");
    // The rest of the manifest is kept: namespaces, escaped text, other elements.
    expect(rewritten).toContain('xmlns="http://schemas.microsoft.com/dynamics/2015/01/DataManagement"');
    expect(rewritten).toContain("<DefinitionGroupName>Customer groups &amp; more</DefinitionGroupName>");
    expect(rewritten).toContain("<SourceFormatName>CSV-Unicode</SourceFormatName>");
    expect(await readPackageManifest(out)).toEqual([{ name: "Customer groups", inputFilePath: "groups-2026-11.csv" }]);
  });

  it("finds the manifest and the stale entry whatever their case, and drops an entry already named like the data file", async () => {
    const template = await zipFile("template.zip", {
      "manifest.XML": manifest([{ name: "Customers V3", input: "CUSTOMERS.csv" }]),
      "customers.csv": "stale",
      "new.csv": "also stale",
    });
    const out = scratch("wrapped.zip");
    const wrapped = await wrapInTemplate({ template, dataFile: dataFile("new.csv", "fresh"), out });
    expect(wrapped.dropped.sort()).toEqual(["customers.csv", "new.csv"]);
    const entries = await readZip(readFileSync(out), out);
    expect(entries.get("new.csv")!.toString()).toBe("fresh");
  });

  it.each([
    ["without Manifest.xml", { "PackageHeader.xml": "<x/>", "data.csv": "a" }, /template\.zip: the template has no Manifest\.xml/],
    ["with two entities", { "Manifest.xml": manifest([{ name: "Customer groups", input: "a.csv" }, { name: "Customers V3", input: "b.csv" }]) }, /holds 2 entities \("Customer groups", "Customers V3"\)/],
    ["with no entity", { "Manifest.xml": manifest([]) }, /names no entity/],
    ["whose entity has no InputFilePath", { "Manifest.xml": manifest([{ name: "Customer groups" }]) }, /"Customer groups" in Manifest\.xml has no InputFilePath/],
    ["with a manifest that is not XML", { "Manifest.xml": "<DataManagementPackageManifest>" }, /Manifest\.xml:\d+:\d+: not well-formed XML/],
  ])("refuses a template %s, naming it, exit 1, writing nothing", async (_what, entries, message) => {
    const template = await zipFile("template.zip", entries);
    const out = scratch("wrapped.zip");
    const error = await wrapInTemplate({ template, dataFile: dataFile("x.csv", "x"), out }).then(
      () => expect.unreachable("the template should be refused"),
      (e: unknown) => e as Error,
    );
    expect(error).toBeInstanceOf(PackageError);
    expect(error.message).toContain(template);
    expect(error.message).toMatch(message);
    expect(exitCodeOf(error)).toBe(1);
    expect(existsSync(out)).toBe(false);
  });

  it("refuses a template that is not a zip as unreadable input (exit 2)", async () => {
    const template = scratch("template.zip");
    writeFileSync(template, "not a zip");
    const out = scratch("wrapped.zip");
    const error = await wrapInTemplate({ template, dataFile: dataFile("x.csv", "x"), out }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ZipReadError);
    expect(exitCodeOf(error)).toBe(2);
    expect(existsSync(out)).toBe(false);
  });

  it("never overwrites a file already at the output path", async () => {
    const template = await zipFile("template.zip", { "Manifest.xml": manifest([{ name: "Customer groups", input: "a.csv" }]) });
    const out = scratch("taken.zip");
    writeFileSync(out, "someone's file");
    await expect(wrapInTemplate({ template, dataFile: dataFile("x.csv", "x"), out })).rejects.toMatchObject({ code: "EEXIST" });
    expect(readFileSync(out, "utf8")).toBe("someone's file");
  });
});

describe("readPackageManifest", () => {
  it("refuses a zip without Manifest.xml, naming it", async () => {
    const file = await zipFile("not-a-package.zip", { "data.csv": "a" });
    await expect(readPackageManifest(file)).rejects.toThrow(new PackageError(`${file}: not a data package: it has no Manifest.xml`));
  });

  it("lists every entity of a package with several", async () => {
    const file = await zipFile("package.zip", { "Manifest.xml": manifest([{ name: "Customer groups", input: "a.csv" }, { name: "Customers V3" }]), "a.csv": "x" });
    expect(await readPackageManifest(file)).toEqual([
      { name: "Customer groups", inputFilePath: "a.csv" },
      { name: "Customers V3", inputFilePath: undefined },
    ]);
  });
});
