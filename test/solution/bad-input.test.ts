import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it, vi } from "vitest";
import { runCli } from "../../src/cli/program.ts";
import { packSolution, SolutionError, unpackSolution } from "../../src/solution/index.ts";
import { readZip, writeZip, ZipReadError } from "../../src/zip/index.ts";
import { compiledConnector, solutionDir, solutionSource } from "./support.ts";

const connector = compiledConnector();
const replace = (from: RegExp, to: string) => (xml: string) => {
  if (!from.test(xml)) throw new Error(`fixture edit did not match ${from}`);
  return xml.replace(from, to);
};

describe("bad solution source", () => {
  it("names a missing publisher prefix and where it goes", () => {
    expect(() => solutionSource({ solution: replace(/<CustomizationPrefix>fnori<\/CustomizationPrefix>/, "<CustomizationPrefix></CustomizationPrefix>") })).toThrow(
      /Other\/Solution\.xml: <Publisher><CustomizationPrefix> is missing or empty/,
    );
  });

  it("refuses a prefix Dataverse would not accept", () => {
    expect(() => solutionSource({ solution: replace(/>fnori</, ">mscrmx<") })).toThrow(/not a valid publisher prefix/);
    expect(() => solutionSource({ solution: replace(/>fnori</, ">Fn-O<") })).toThrow(/not a valid publisher prefix/);
  });

  it("refuses versions that are not four whole numbers", () => {
    for (const version of ["1.0.0", "1.0.0.0.0", "1.0.x.0", "01.0.0.0", "1.0.0.2147483648"]) {
      expect(() => solutionSource({ solution: replace(/<Version>1\.0\.0\.0<\/Version>/, `<Version>${version}</Version>`) }), version).toThrow(
        /<SolutionManifest><Version>: version ".*" is not valid/,
      );
    }
  });

  it("refuses an option value prefix outside 10000-99999", () => {
    expect(() => solutionSource({ solution: replace(/>62417</, ">9999<") })).toThrow(/CustomizationOptionValuePrefix> "9999" is not valid/);
  });

  it("needs exactly one connector root component with a braced GUID", () => {
    expect(() => solutionSource({ solution: replace(/<RootComponent type="372"[^>]*\/>/, "") })).toThrow(/must list exactly one connector/);
    expect(() => solutionSource({ solution: replace(/id="\{4e61bbcd-[^}]*\}"/, 'id="4e61bbcd"') })).toThrow(/not a GUID in braces/);
  });

  it("refuses connection references or flows in the connector solution's source: they belong in the flows solution", () => {
    const reference = `<connectionreferences><connectionreference connectionreferencelogicalname="fnori_X"><connectorid>/providers/Microsoft.PowerApps/apis/shared_office365</connectorid></connectionreference></connectionreferences>`;
    expect(() => solutionSource({ customizations: replace(/<Connectors \/>/, `<Connectors />${reference}`) })).toThrow(
      /Customizations\.xml: <connectionreferences> holds 1 connection reference\(s\); the connector solution must hold the connector only/,
    );
    const workflow = `<Workflows><Workflow WorkflowId="{00000000-0000-0000-0000-000000000001}" Name="x"><JsonFileName>/Workflows/x.json</JsonFileName></Workflow></Workflows>`;
    expect(() => solutionSource({ customizations: replace(/<Workflows \/>/, workflow) })).toThrow(/<Workflows> holds 1 flow\(s\)/);
  });

  it("reports malformed XML with file, line and column", () => {
    expect(() => solutionSource({ customizations: replace(/<Languages>/, "<Languages") })).toThrow(/Customizations\.xml:\d+:\d+: not well-formed XML/);
  });

  it("stops when the connector title no longer gives the committed schema name", () => {
    const renamed = { ...connector, definition: { ...connector.definition, info: { title: "F&O Integrations" } } };
    expect(() => packSolution(renamed, { source: solutionSource(), packageType: "unmanaged", part: "connector" })).toThrow(
      /schemaName "fnori_5Ff-26o-20recurring-20integrations" does not match "fnori_5Ff-26o-20integrations"/,
    );
  });

  it("refuses an icon that is neither PNG nor JPEG", () => {
    const files = new Map(connector.files);
    files.set("icon.png", Buffer.from("GIF89a"));
    expect(() => packSolution({ ...connector, files }, { source: solutionSource(), packageType: "unmanaged", part: "connector" })).toThrow(/neither a PNG nor a JPEG/);
  });
});

/** A zip whose one entry is renamed after writing (yazl itself refuses unsafe names; attackers use other tools). */
async function zipWithEntryName(unsafeName: string): Promise<Buffer> {
  const placeholder = "x".repeat(unsafeName.length);
  const zip = await writeZip(new Map([[placeholder, Buffer.from("pwned")]]));
  return Buffer.from(zip.toString("latin1").split(placeholder).join(unsafeName), "latin1");
}

describe("unsafe or unreadable zips", () => {
  it("refuses a file that is not a zip", async () => {
    await expect(readZip(Buffer.from("not a zip at all"), "notes.zip")).rejects.toThrow(/notes\.zip: not a readable zip file/);
  });

  it.each(["../evil.txt", "a/../../evil.txt", "/etc/evil", "C:/evil.txt"])("refuses the entry name %s", async (name) => {
    await expect(readZip(await zipWithEntryName(name), "evil.zip")).rejects.toThrow(/evil\.zip: refused: unsafe or corrupt entry \((invalid relative path|absolute path)/);
  });

  it("refuses a likely compression bomb before inflating it", async () => {
    const zip = await writeZip(new Map([["zeros.bin", Buffer.alloc(4 * 1024 * 1024)]]));
    await expect(readZip(zip, "bomb.zip")).rejects.toThrow(/refused: entry "zeros\.bin": compression ratio above 200:1/);
  });

  it("refuses archives beyond the entry and size limits", async () => {
    const zip = await writeZip(new Map(["a", "b", "c"].map((n) => [`${n}.txt`, Buffer.from(n.repeat(100))])));
    const limits = { maxEntries: 2, maxEntryBytes: 1000, maxTotalBytes: 1000, maxRatio: 200 };
    await expect(readZip(zip, "many.zip", limits)).rejects.toThrow(/3 entries, more than the limit of 2/);
    await expect(readZip(zip, "big.zip", { ...limits, maxEntries: 10, maxEntryBytes: 50 })).rejects.toThrow(/100 bytes uncompressed, more than the limit of 50/);
    await expect(readZip(zip, "total.zip", { ...limits, maxEntries: 10, maxTotalBytes: 250 })).rejects.toThrow(/would exceed 250 bytes/);
  });

  it("refuses an entry that inflates beyond the size its headers declare", async () => {
    const zip = await writeZip(new Map([["a.txt", Buffer.from("x".repeat(100))]]));
    // Claim 10 bytes in the central directory (offset 24) and the local header (offset 22).
    zip.writeUInt32LE(10, zip.indexOf(Buffer.from([0x50, 0x4b, 0x01, 0x02])) + 24);
    zip.writeUInt32LE(10, 22);
    await expect(readZip(zip, "lie.zip")).rejects.toThrow(/lie\.zip: cannot read entry "a\.txt" \(too many bytes/);
  });

  it("refuses a zip without solution.xml as not a solution", async () => {
    const zip = await writeZip(new Map([["customizations.xml", Buffer.from("<ImportExportXml/>")]]));
    await expect(unpackSolution(zip, "x.zip")).rejects.toThrow(SolutionError);
    await expect(unpackSolution(zip, "x.zip")).rejects.toThrow(/solution\.xml is missing/);
  });

  it("refuses a component whose name would climb out of the unpacked folder", async () => {
    const customizations = "<ImportExportXml><Connectors><Connector><name>../../evil</name></Connector></Connectors></ImportExportXml>";
    const zip = await writeZip(
      new Map([
        ["customizations.xml", Buffer.from(customizations)],
        ["solution.xml", Buffer.from("<ImportExportXml><SolutionManifest/></ImportExportXml>")],
      ]),
    );
    await expect(unpackSolution(zip, "x.zip")).rejects.toThrow(/"\.\.\/\.\.\/evil" cannot be used as a file name/);
  });

  it("keeps unsafe-zip errors distinguishable from wrong content", async () => {
    await expect(readZip(Buffer.alloc(10), "x.zip")).rejects.toBeInstanceOf(ZipReadError);
  });
});

describe("the CLI writes nothing on bad input", () => {
  afterEach(() => vi.restoreAllMocks());
  const quiet = () => vi.spyOn(process.stderr, "write").mockImplementation(() => true);

  it("unpack of an unsafe zip exits 2 and creates no folder", async () => {
    const work = mkdtempSync(path.join(tmpdir(), "fno-unpack-"));
    writeFileSync(path.join(work, "evil.zip"), await zipWithEntryName("../evil.txt"));
    const stderr = quiet();
    expect(await runCli(["unpack", path.join(work, "evil.zip"), path.join(work, "out")])).toBe(2);
    expect(stderr.mock.calls.join("")).toMatch(/refused: unsafe or corrupt entry/);
    expect(existsSync(path.join(work, "out"))).toBe(false);
    expect(existsSync(path.join(work, "..", "evil.txt"))).toBe(false);
  });

  it("pack with an invalid version exits 1 and leaves no dist/solution", async () => {
    const work = mkdtempSync(path.join(tmpdir(), "fno-pack-"));
    cpSync(solutionDir, path.join(work, "solution"), { recursive: true });
    const solutionXml = path.join(work, "solution", "Other", "Solution.xml");
    writeFileSync(solutionXml, readFileSync(solutionXml, "utf8").replace("<Version>1.0.0.0</Version>", "<Version>1.0</Version>"));
    const connectorDir = path.join(work, "connector");
    mkdirSync(connectorDir);
    for (const [name, bytes] of connector.files) writeFileSync(path.join(connectorDir, name), bytes);
    const stderr = quiet();
    const out = path.join(work, "dist", "solution");
    expect(await runCli(["pack", "--connector", connectorDir, "--solution", path.join(work, "solution"), "--out", out])).toBe(1);
    expect(stderr.mock.calls.join("")).toMatch(/version "1\.0" is not valid/);
    expect(existsSync(path.join(work, "dist"))).toBe(false);
  });
});
