import { spawn } from "node:child_process";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { Worker } from "node:worker_threads";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { defaultIds, startSimulator, type Simulator } from "../../src/simulator/index.ts";
import { syncExports, syncSteps, type SyncStep } from "../../src/workflows/export-sync.ts";
import { stateDirName } from "../../src/workflows/journal.ts";
import { packageDigests, packageFileName } from "../../src/workflows/package-store.ts";
import { repoRoot } from "../support/shared.ts";
import type { CrashRun, CrashRunReport } from "./crash-run.ts";
import { expectedPackages, simulatorClient, tempDir } from "./support.ts";
import { SeededRandom } from "../../src/simulator/random.ts";

/*
 * Two ways to crash a sync, then rerun it on the same folder and check that nothing is lost or written twice.
 *
 * The matrix crashes a run at each step of store-then-acknowledge (SyncStep) exactly, through the sync's
 * `onStep` hook, in a worker thread: the hook blocks the thread for good and the test terminates the worker.
 * What that reproduces of a kill: nothing of the run executes after the step, not even its `finally` blocks,
 * so journal lines still buffered in memory are never written, the temporary file stays in .fno-sync/partial,
 * and the folder's lock stays on disk naming this process's PID with a token that no live lock holds, which
 * the next run takes over as it would a dead process's lock (the case of a PID reused after a restart, as in
 * a container). What it does not: the lock of a PID that no longer exists (the SIGKILL test below and
 * lock.test.ts take that branch); descriptors the run had open stay open until the test process exits (the
 * files are closed and already synced at every step, so this changes nothing on disk); a crash in the middle
 * of a system call (a torn journal line, a half-written temporary file: the rerun removes every temporary
 * file whatever its length, and the journal reader skips a torn line); the loss of what is not yet synced
 * to disk, which only a power failure causes, not a kill.
 *
 * The SIGKILL test kills the real CLI at seeded moments: the proof that the real thing holds, with four
 * concurrent workers caught wherever they are.
 */

const smokeActivity = defaultIds.exportActivityId;
/** One queue (and one output folder) per step of the matrix, so the steps run side by side. */
const matrixActivity = (i: number) => `6d31e09f-0000-4000-8000-1000000000${String(i).padStart(2, "0")}`;
const matrixMessages = 6;
const kills = 3;

let sim: Simulator;
beforeAll(async () => {
  sim = await startSimulator({
    seed: 11,
    activities: [
      { id: smokeActivity, direction: "export", messages: [{ kind: "package", dataBytes: 2048, count: 80 }] },
      ...syncSteps.map((_, i) => ({ id: matrixActivity(i), direction: "export" as const, messages: [{ kind: "package" as const, dataBytes: 2048, count: matrixMessages }] })),
      { id: defaultIds.importActivityId, direction: "import" },
    ],
    // Enough latency that a killed run is always caught mid-work, at any of its steps.
    faults: { rules: [{ kind: "latency", endpoint: ["dequeue", "download", "ack"], ms: 10 }] },
  });
});
afterAll(() => sim?.close());

/** A message F&O considers acknowledged is on disk with the right bytes: the invariant that must hold at every moment. */
async function assertAckedAreDurable(activityId: string, outDir: string): Promise<void> {
  const onDisk = existsSync(outDir) ? await packageDigests(outDir) : new Map<string, string>();
  for (const message of sim.exportMessages(activityId)) {
    if (message.ackedAt === null) continue;
    expect(onDisk.get(`${message.correlationId}.zip`), `acknowledged ${message.correlationId} must be on disk`).toBe(message.sha256);
  }
}

/** What must hold once a rerun has finished: every package stored once, with its bytes, and acknowledged. */
async function assertFinished(activityId: string, outDir: string): Promise<void> {
  await assertAckedAreDurable(activityId, outDir);
  expect(await packageDigests(outDir)).toEqual(expectedPackages(sim, activityId));
  expect(sim.exportMessages(activityId).filter((m) => m.ackedAt === null)).toEqual([]);
  // No package was written twice: a second "stored" line would mean a rerun downloaded it again. (A crash
  // between the rename and the journal line leaves a package without a line; the disk check covers it.)
  const stored = readFileSync(path.join(outDir, stateDirName, "journal.jsonl"), "utf8")
    .split("\n")
    .filter((line) => line.includes('"type":"stored"'))
    .map((line) => (JSON.parse(line) as { correlationId: string }).correlationId);
  expect(stored.length).toBe(new Set(stored).size);
  // Only packages and the journal folder: no partial file under a final name, nothing kept aside.
  expect(readdirSync(outDir).filter((name) => !name.endsWith(".zip")).sort()).toEqual([stateDirName]);
}

// tsx compiles the worker's TypeScript, through its require hook: it runs in the worker's own thread, where the
// import hook would start a loader thread per worker and take twice as long.
const workerBoot = `require("tsx/cjs/api").register(); require(${JSON.stringify(path.join(import.meta.dirname, "crash-run.ts"))});`;

/** Runs sync in a worker thread until it reaches `run.step` for the `run.occurrence`-th time, then kills the thread there. */
async function crashAt(run: Omit<CrashRun, "connection">): Promise<CrashRunReport> {
  const worker = new Worker(workerBoot, { eval: true, workerData: { ...run, connection: sim.connection } satisfies CrashRun });
  const report = await new Promise<CrashRunReport>((resolve, reject) => {
    worker.once("message", resolve);
    worker.once("error", reject);
    worker.once("exit", (code) => reject(new Error(`the crash run's worker exited (${code}) without reaching ${run.step}`)));
  });
  await worker.terminate();
  return report;
}

/** What a crash at `step` must have left behind, or the emulation cleaned up after itself and proves nothing. */
function assertLeftAsAKillLeavesIt(report: CrashRunReport, step: SyncStep, outDir: string): void {
  expect(report).toMatchObject({ crashed: step });
  const state = path.join(outDir, stateDirName);
  expect(existsSync(path.join(state, "lock")), "the crashed run's lock is still there").toBe(true);
  if (step === "downloaded" && "correlationId" in report) {
    const temporary = readdirSync(path.join(state, "partial")).filter((name) => name.startsWith(`${packageFileName({ CorrelationId: report.correlationId })}.`));
    expect(temporary, "the crashed download's temporary file is still there").toHaveLength(1);
  }
}

describe("sync crashed at each step of store-then-acknowledge, then rerun", () => {
  it(`for every step (${syncSteps.join(", ")}): a fresh run and a rerun finishing its work crash there; a third run finishes, nothing lost or written twice`, async () => {
    const cases = syncSteps.map((step, i) => ({ step, activityId: matrixActivity(i), outDir: tempDir(`fno-crash-${step}-`) }));
    // The first crash: one worker, two messages finished first, the third one stopped exactly at the step.
    const first = await Promise.all(cases.map((c) => crashAt({ ...c, occurrence: 3, concurrency: 1 })));
    for (const [i, c] of cases.entries()) {
      assertLeftAsAKillLeavesIt(first[i]!, c.step, c.outDir);
      await assertAckedAreDurable(c.activityId, c.outDir);
    }
    // The rerun, while the first crash's pop receipts are still valid: it finishes that message from the journal
    // where it can, with four workers, and crashes the first time any message reaches the step again.
    const second = await Promise.all(cases.map((c) => crashAt({ ...c, occurrence: 1, concurrency: 4 })));
    for (const [i, c] of cases.entries()) {
      assertLeftAsAKillLeavesIt(second[i]!, c.step, c.outDir);
      await assertAckedAreDurable(c.activityId, c.outDir);
    }
    // Messages the crashed runs dequeued come back once their visibility timeout has passed.
    await sim.settle();
    sim.clock.advance(31 * 60_000);
    await Promise.all(cases.map((c) => syncExports({ client: simulatorClient(sim), activityId: c.activityId, outDir: c.outDir, concurrency: 4 })));
    for (const c of cases) await assertFinished(c.activityId, c.outDir);
  }, 60_000);
});


/**
 * Runs `fno-connector sync` as a real child process. With `killAfterMs`, it is killed with SIGKILL that long
 * after it has taken the folder's lock (counted from there, the kill lands mid-work however long the CLI takes
 * to start).
 */
function runSync(outDir: string, killAfterMs?: number): Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }> {
  const c = sim.connection;
  const child = spawn(
    process.execPath,
    [
      path.join(repoRoot, "bin", "fno-connector.js"),
      "sync",
      ...["--activity", smokeActivity, "--out", outDir, "--concurrency", "4", "--json"],
      ...["--url", c.environmentUrl, "--tenant", c.tenantId, "--client-id", c.clientId, "--authority-host", c.authorityHost],
    ],
    { env: { ...process.env, AZURE_CLIENT_SECRET: c.clientSecret }, stdio: ["ignore", "ignore", "pipe"] },
  );
  let stderr = "";
  child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  const lock = path.join(outDir, stateDirName, "lock");
  const holdsLock = () => existsSync(lock) && readFileSync(lock, "utf8").startsWith(`${child.pid} `);
  let timer: NodeJS.Timeout | undefined;
  const watch = () => {
    timer = holdsLock() ? setTimeout(() => child.kill("SIGKILL"), killAfterMs) : setTimeout(watch, 5);
  };
  if (killAfterMs !== undefined) watch();
  return new Promise((resolve) => {
    child.on("exit", (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stderr });
    });
  });
}

describe("the real CLI killed with SIGKILL at seeded points, then rerun", () => {
  it(`loses nothing and writes nothing twice over ${kills} kills`, async () => {
    const outDir = tempDir("fno-crash-kill-");
    // Deterministic kill points: the same seed kills at the same moments on every machine.
    const dice = new SeededRandom(20261121);
    const random = () => dice.next();
    for (let i = 0; i < kills; i++) {
      const result = await runSync(outDir, 50 + Math.floor(random() * 250));
      expect(result.signal, `run ${i + 1} was to be killed mid-work: ${result.stderr}`).toBe("SIGKILL");
      await assertAckedAreDurable(smokeActivity, outDir);
      // Requests the killed process had sent are handled (or dropped) before the clock moves past their timeout.
      await sim.settle();
      sim.clock.advance(31 * 60_000);
    }
    const final = await runSync(outDir);
    expect(final.code, final.stderr).toBe(0);
    await assertFinished(smokeActivity, outDir);
  }, 60_000);
});
