import { describe, expect, it } from "vitest";
import { mkdtempSync, readdirSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { folderToZip, packSolution, solutionParts, unpackSolution, writeUnpackedSolution } from "../../src/solution/index.ts";
import { writeZip } from "../../src/zip/index.ts";
import { hasShared } from "../support/shared.ts";
import { compiledConnector, realExportBytes, realExportEntries, realExports, sameXml, solutionSource } from "./support.ts";

/** Same entry names in the same order; XML equal as parsed trees, every other file byte for byte. */
function expectSameEntries(actual: Map<string, Buffer>, expected: Map<string, Buffer>): void {
  expect([...actual.keys()]).toEqual([...expected.keys()]);
  for (const [name, bytes] of expected) {
    const same = name.endsWith(".xml") ? sameXml(actual.get(name)!, bytes) : actual.get(name)!.equals(bytes);
    expect(same, name).toBe(true);
  }
}

describe.skipIf(!hasShared)("unpack then pack the real exports", () => {
  for (const zip of Object.values(realExports)) {
    it(`gives back ${zip}'s entries and contents`, async () => {
      const folder = await unpackSolution(realExportBytes(zip), zip);
      expectSameEntries(folderToZip(folder), await realExportEntries(zip));
    });
  }

  it("unpacks to the pac layout: Other/, one XML file per component, connector data in Connectors/", async () => {
    const folder = await unpackSolution(realExportBytes(realExports.connectorFlowCanvasApp), "EX-B");
    const files = [...folder.keys()].sort();
    expect(files).toContain("Other/Solution.xml");
    expect(files).toContain("Other/Customizations.xml");
    expect(files).toContain("Connectors/cre80_5Fkursy-20walut-20nbp.xml");
    expect(files).toContain("Connectors/cre80_5Fkursy-20walut-20nbp_iconblob.Jpeg");
    expect(files).toContain("Workflows/Flowdlakonektorakurswwalut-8FDE32D5-CF10-ED11-B83D-000D3ADA9E5F.json.data.xml");
    expect(files).toContain("CanvasApps/cre80_testkonektorakurswwalut_9d02e.meta.xml");
    expect(files.some((f) => f.startsWith("Connector/") || f === "[Content_Types].xml")).toBe(false);
    // Components leave customizations.xml: its <Connectors> and <Workflows> are empty in the unpacked form.
    const customizations = folder.get("Other/Customizations.xml")!.toString("utf8");
    expect(customizations).toContain("<Connectors/>");
    expect(customizations).toContain("<Workflows/>");
  });
});

describe("unpack then pack our own packages", () => {
  it("gives back the same entries, for the connector solution and for the flows solution", async () => {
    const connector = compiledConnector();
    const source = solutionSource();
    for (const part of solutionParts) {
      const packed = packSolution(connector, { source, packageType: "managed", part });
      const zip = await writeZip(packed);
      expectSameEntries(folderToZip(await unpackSolution(zip, "ours.zip")), packed);
    }
  });
});

describe("writeUnpackedSolution", () => {
  it("writes only the solution's files, with no output marker, since pac solution pack reads the folder as it is", async () => {
    const dir = path.join(mkdtempSync(path.join(tmpdir(), "fno-unpack-")), "out");
    const packed = packSolution(compiledConnector(), { source: solutionSource(), packageType: "managed", part: "connector" });
    writeUnpackedSolution(dir, await unpackSolution(await writeZip(packed), "ours.zip"));
    expect(readdirSync(dir).sort()).toEqual(["Connectors", "Other"]);
  });
});
