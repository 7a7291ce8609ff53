import { spawn } from "node:child_process";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { defaultIds, startSimulator, type Simulator } from "../../src/simulator/index.ts";
import { packageDigests } from "../../src/workflows/package-store.ts";
import { repoRoot } from "../support/shared.ts";
import { expectedPackages, tempDir } from "./support.ts";

const activity = defaultIds.exportActivityId;
const kills = 20;

/** Deterministic kill points: the same seed kills at the same moments on every machine. */
function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

let sim: Simulator;
beforeAll(async () => {
  sim = await startSimulator({
    seed: 11,
    activities: [
      { id: activity, direction: "export", messages: [{ kind: "package", dataBytes: 2048, count: 900 }] },
      { id: defaultIds.importActivityId, direction: "import" },
    ],
    // Enough messages and latency that the queue outlasts the twenty killed runs, so every kill lands mid-work.
    faults: { rules: [{ kind: "latency", endpoint: ["dequeue", "download", "ack"], ms: 20 }] },
  });
});
afterAll(() => sim?.close());

/** Runs `fno-connector sync` as a real child process; kills it with SIGKILL after `killAfterMs` when given. */
function runSync(outDir: string, killAfterMs?: number): Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }> {
  const c = sim.connection;
  const child = spawn(
    process.execPath,
    [
      path.join(repoRoot, "bin", "fno-connector.js"),
      "sync",
      ...["--activity", activity, "--out", outDir, "--concurrency", "4", "--json"],
      ...["--url", c.environmentUrl, "--tenant", c.tenantId, "--client-id", c.clientId, "--authority-host", c.authorityHost],
    ],
    { env: { ...process.env, AZURE_CLIENT_SECRET: c.clientSecret }, stdio: ["ignore", "ignore", "pipe"] },
  );
  let stderr = "";
  child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  const timer = killAfterMs === undefined ? undefined : setTimeout(() => child.kill("SIGKILL"), killAfterMs);
  return new Promise((resolve) => {
    child.on("exit", (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stderr });
    });
  });
}

/** The invariant that must hold at every moment: a message F&O considers acknowledged is on disk with the right bytes. */
async function assertAckedAreDurable(outDir: string): Promise<void> {
  const onDisk = existsSync(outDir) ? await packageDigests(outDir) : new Map<string, string>();
  for (const message of sim.exportMessages(activity)) {
    if (message.ackedAt === null) continue;
    expect(onDisk.get(`${message.correlationId}.zip`), `acknowledged ${message.correlationId} must be on disk`).toBe(message.sha256);
  }
}

describe("sync killed with SIGKILL at seeded random points, then rerun", () => {
  it(`loses nothing and writes nothing twice over ${kills} kills`, async () => {
    const outDir = tempDir("fno-crash-");
    const random = mulberry32(20261121);
    let killed = 0;
    for (let i = 0; i < kills; i++) {
      const result = await runSync(outDir, 700 + Math.floor(random() * 1500));
      if (result.signal === "SIGKILL") killed++;
      else expect(result.code, result.stderr).toBe(0);
      await assertAckedAreDurable(outDir);
      // Messages dequeued by the killed run come back once their visibility timeout has passed.
      sim.clock.advance(31 * 60_000);
    }
    console.log(`crash test: ${killed} of ${kills} runs killed mid-work`);
    expect(killed).toBeGreaterThan(kills / 2);

    const final = await runSync(outDir);
    expect(final.code, final.stderr).toBe(0);
    await assertAckedAreDurable(outDir);
    expect(await packageDigests(outDir)).toEqual(expectedPackages(sim, activity));
    expect(sim.exportMessages(activity).every((m) => m.ackedAt !== null)).toBe(true);
    // No package was written twice: a second "stored" entry would mean a rerun downloaded it again. (A kill
    // between the rename and the journal write leaves a package without an entry; the disk check covers it.)
    const stored = readFileSync(path.join(outDir, ".fno-sync", "journal.jsonl"), "utf8")
      .split("\n")
      .filter((line) => line.includes('"type":"stored"'))
      .map((line) => (JSON.parse(line) as { correlationId: string }).correlationId);
    expect(stored.length).toBe(new Set(stored).size);
    // Only packages and the journal folder: no partial files under final names.
    expect(readdirSync(outDir).filter((name) => !name.endsWith(".zip")).sort()).toEqual([".fno-sync"]);
  }, 240_000);
});
