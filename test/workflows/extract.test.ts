import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { readZipEntries, writeZip } from "../../src/zip/index.ts";
import { defaultIds, startSimulator, type Simulator } from "../../src/simulator/index.ts";
import { syncExports } from "../../src/workflows/export-sync.ts";
import { extractPackage, packageExtractLimits } from "../../src/workflows/extract.ts";
import { simulatorClient, tempDir } from "./support.ts";

const activity = defaultIds.exportActivityId;
const running: Simulator[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((sim) => sim.close()));
});

/** A zip whose entry is renamed after writing: yazl refuses unsafe names, attackers use other tools. */
async function zipWithEntryName(unsafeName: string): Promise<Buffer> {
  const placeholder = "x".repeat(unsafeName.length);
  const zip = await writeZip(new Map([[placeholder, Buffer.from("pwned")]]));
  return Buffer.from(zip.toString("latin1").split(placeholder).join(unsafeName), "latin1");
}

describe("sync --extract", () => {
  it("unzips each package into a folder named after its message", async () => {
    const sim = await startSimulator({
      seed: 2,
      activities: [
        { id: activity, direction: "export", messages: [{ kind: "package", dataBytes: 1000, count: 3 }] },
        { id: defaultIds.importActivityId, direction: "import" },
      ],
    });
    running.push(sim);
    const out = tempDir("fno-extract-");
    const summary = await syncExports({ client: simulatorClient(sim), activityId: activity, outDir: out, extract: true });
    expect(summary.problems).toEqual([]);
    for (const message of sim.exportMessages(activity)) {
      const folder = path.join(out, message.correlationId);
      const files = readdirSync(folder);
      expect(files.length).toBeGreaterThan(0);
      expect(files.some((f) => f.endsWith(".csv"))).toBe(true);
    }
  });

  it("stores and acknowledges an archive whose names climb out of its folder, refusing only its extraction, once", async () => {
    const sim = await startSimulator({
      seed: 2,
      activities: [{ id: activity, direction: "export" }, { id: defaultIds.importActivityId, direction: "import" }],
    });
    running.push(sim);
    const evil = await zipWithEntryName("../evil.txt");
    const seeded = await sim.seedExport(activity, { kind: "bytes", bytes: evil });
    const out = tempDir("fno-extract-");
    const summary = await syncExports({ client: simulatorClient(sim), activityId: activity, outDir: out, extract: true });
    expect(summary.problems).toEqual([expect.objectContaining({ stage: "extract", error: expect.stringMatching(/invalid relative path: \.\.\/evil\.txt/) })]);
    expect(summary).toMatchObject({ stored: 1, acknowledged: 1, unfinished: 0 });
    expect(sim.counters().requests.download).toBe(1);
    expect(existsSync(path.join(out, "..", "evil.txt"))).toBe(false);
    // What F&O sent is kept byte for byte; nothing was extracted.
    expect(readdirSync(out).sort()).toEqual([".fno-sync", `${seeded.correlationId}.zip`]);
    expect(readFileSync(path.join(out, `${seeded.correlationId}.zip`))).toEqual(evil);
    expect(sim.exportMessages(activity).find((m) => m.correlationId === seeded.correlationId)?.ackedAt).not.toBeNull();
    // Reported once: acknowledged, it does not come back.
    sim.clock.advance(31 * 60_000);
    expect(await syncExports({ client: simulatorClient(sim), activityId: activity, outDir: out, extract: true })).toMatchObject({ dequeued: 0, problems: [] });
  });

  it("without --extract, an archive with unsafe names is simply stored and acknowledged", async () => {
    const sim = await startSimulator({
      seed: 2,
      activities: [{ id: activity, direction: "export" }, { id: defaultIds.importActivityId, direction: "import" }],
    });
    running.push(sim);
    const seeded = await sim.seedExport(activity, { kind: "bytes", bytes: await zipWithEntryName("/etc/evil") });
    const out = tempDir("fno-extract-");
    const summary = await syncExports({ client: simulatorClient(sim), activityId: activity, outDir: out });
    expect(summary).toMatchObject({ stored: 1, acknowledged: 1, problems: [] });
    expect(readdirSync(out).sort()).toEqual([".fno-sync", `${seeded.correlationId}.zip`]);
  });

  it("still refuses to store a download that is not a zip at all", async () => {
    const sim = await startSimulator({
      seed: 2,
      activities: [{ id: activity, direction: "export" }, { id: defaultIds.importActivityId, direction: "import" }],
    });
    running.push(sim);
    await sim.seedExport(activity, { kind: "bytes", bytes: Buffer.from("<html>maintenance</html>") });
    const out = tempDir("fno-extract-");
    const summary = await syncExports({ client: simulatorClient(sim), activityId: activity, outDir: out });
    expect(summary.problems).toEqual([expect.objectContaining({ stage: "download", error: expect.stringMatching(/not a readable zip/) })]);
    expect(summary).toMatchObject({ acknowledged: 0, unfinished: 1 });
    expect(sim.counters().requests.download).toBe(1);
    expect(readdirSync(out)).toEqual([".fno-sync"]);
  });

  it("reports a package that cannot be extracted but acknowledges it, since it is stored", async () => {
    const sim = await startSimulator({
      seed: 2,
      activities: [{ id: activity, direction: "export" }, { id: defaultIds.importActivityId, direction: "import" }],
    });
    running.push(sim);
    const bomb = await writeZip(new Map([["zeros.bin", Buffer.alloc(8 * 1024 * 1024)]]));
    const seeded = await sim.seedExport(activity, { kind: "bytes", bytes: bomb });
    const out = tempDir("fno-extract-");
    const summary = await syncExports({ client: simulatorClient(sim), activityId: activity, outDir: out, extract: true });
    expect(summary.problems).toEqual([expect.objectContaining({ stage: "extract", error: expect.stringMatching(/compression ratio above 200:1/) })]);
    expect(summary.acknowledged).toBe(1);
    expect(readdirSync(out).sort()).toEqual([".fno-sync", `${seeded.correlationId}.zip`]);
  });

  it("refuses a compression bomb before inflating it", async () => {
    const dir = tempDir("fno-extract-");
    const bomb = path.join(dir, "bomb.zip");
    await import("node:fs/promises").then(async (fs) => fs.writeFile(bomb, await writeZip(new Map([["zeros.bin", Buffer.alloc(8 * 1024 * 1024)]]))));
    await expect(extractPackage(bomb, dir, "bomb")).rejects.toThrow(/compression ratio above 200:1/);
    expect(readdirSync(dir)).toEqual(["bomb.zip"]);
    expect(readFileSync(bomb).length).toBeLessThan(100_000);
  });

  it("refuses many small entries that together inflate far beyond the archive (total ratio), before inflating any", async () => {
    const dir = tempDir("fno-extract-");
    const bomb = path.join(dir, "bomb.zip");
    // The bomb, scaled down: every entry is exactly 1 MiB of zeros, so no single entry trips the entry check.
    const entries = new Map(Array.from({ length: 100 }, (_, i) => [`part-${i}.bin`, Buffer.alloc(1024 * 1024)] as const));
    writeFileSync(bomb, await writeZip(entries));
    let opened = 0;
    await expect(
      readZipEntries({ file: bomb }, bomb, packageExtractLimits, async (_name, content) => {
        opened++;
        content.resume();
      }),
    ).rejects.toThrow(/refused: the archive would inflate to \d+ bytes \(by entry "part-\d+\.bin"\), more than 200 times its \d+ bytes, a likely zip bomb/);
    expect(opened).toBe(0);
    await expect(extractPackage(bomb, dir, "bomb")).rejects.toThrow(/more than 200 times/);
    expect(readdirSync(dir)).toEqual(["bomb.zip"]);
  });

  it("counts what entries really inflate to, whatever their headers declare", async () => {
    const dir = tempDir("fno-extract-");
    const liar = path.join(dir, "liar.zip");
    const zip = await writeZip(new Map(Array.from({ length: 20 }, (_, i) => [`part-${i}.bin`, Buffer.alloc(1024 * 1024)] as const)));
    // Every header claims 1,000 bytes uncompressed: the header checks pass, the inflated bytes must not.
    const claim = (signature: number[], sizeOffset: number) => {
      for (let at = zip.indexOf(Buffer.from(signature)); at !== -1; at = zip.indexOf(Buffer.from(signature), at + 4)) zip.writeUInt32LE(1000, at + sizeOffset);
    };
    claim([0x50, 0x4b, 0x03, 0x04], 22);
    claim([0x50, 0x4b, 0x01, 0x02], 24);
    writeFileSync(liar, zip);
    let inflated = 0;
    await expect(
      readZipEntries({ file: liar }, liar, packageExtractLimits, async (_name, content) => {
        for await (const chunk of content) inflated += (chunk as Buffer).length;
      }),
    ).rejects.toThrow(/liar\.zip/);
    expect(inflated).toBeLessThanOrEqual(1000 + 64 * 1024);
  });
});
