import { existsSync, readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { writeZip } from "../../src/solution/zip.ts";
import { defaultIds, startSimulator, type Simulator } from "../../src/simulator/index.ts";
import { syncExports } from "../../src/workflows/export-sync.ts";
import { extractPackage } from "../../src/workflows/extract.ts";
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

  it("never stores, extracts or acknowledges an archive whose names climb out of its folder", async () => {
    const sim = await startSimulator({
      seed: 2,
      activities: [{ id: activity, direction: "export" }, { id: defaultIds.importActivityId, direction: "import" }],
    });
    running.push(sim);
    const seeded = await sim.seedExport(activity, { kind: "bytes", bytes: await zipWithEntryName("../evil.txt") });
    const out = tempDir("fno-extract-");
    const summary = await syncExports({ client: simulatorClient(sim), activityId: activity, outDir: out, extract: true });
    expect(summary.problems).toEqual([expect.objectContaining({ stage: "download", error: expect.stringMatching(/not a readable zip: invalid relative path/) })]);
    expect(summary.acknowledged).toBe(0);
    // Checked once: a corrupt package is not downloaded again.
    expect(sim.counters().requests.download).toBe(1);
    expect(existsSync(path.join(out, "..", "evil.txt"))).toBe(false);
    expect(readdirSync(out)).toEqual([".fno-sync"]);
    expect(sim.exportMessages(activity).find((m) => m.correlationId === seeded.correlationId)?.ackedAt).toBeNull();
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
});
