import { mkdirSync, readFileSync } from "node:fs";
import path from "node:path";
import v8 from "node:v8";
import vm from "node:vm";
import { afterAll, describe, expect, it } from "vitest";
import type { FnoClient } from "../../../src/client/index.ts";
import type { JobOutcome } from "../../../src/jobs/kind.ts";
import { noState, type NoState } from "../../../src/jobs/kinds/common.ts";
import { downloadKind } from "../../../src/jobs/kinds/download.ts";
import { exportPackageKind, type ExportPackageState } from "../../../src/jobs/kinds/export-package.ts";
import { importPackageKind } from "../../../src/jobs/kinds/import-package.ts";
import { monitorKind } from "../../../src/jobs/kinds/monitor.ts";
import { uploadKind } from "../../../src/jobs/kinds/upload.ts";
import { defaultIds, startSimulator, type EndpointName, type Simulator } from "../../../src/simulator/index.ts";
import { VirtualClock } from "../../support/virtual-clock.ts";
import { writeDataPackage } from "../../workflows/package-support.ts";
import { assertExportsSettled, assertPackageExportsSettled, assertPackageImportsSettled, assertUploadsSettled, type UploadTally } from "./assertions.ts";
import { clientFor, dropFiles, jobContext, sha256, tempDir } from "./support.ts";

/*
 * The soak: several environments (one simulator each, all on one virtual clock), each with three upload jobs
 * whose imports end differently, their monitors, a download job, an export-package job and an import-package job
 * with its monitor, run for several cycles with faults on (429s with and without bursts past the transport's
 * retries, 502s and 503s, download bodies cut off, tokens expired mid-run). Then a drain with the faults off, and
 * the checks: every file and package in success/ or error/ exactly once with the simulator's status, each package
 * imported exactly once, every export (queue or package API) on disk once with its SHA-256, and the heap after GC
 * about where it was after the first cycle. FNO_SOAK_SCALE=10 makes it ten times larger for a local run.
 */

const scale = Math.max(1, Number(process.env.FNO_SOAK_SCALE ?? 1));
const environments = 3;
const cycles = 3;
const filesPerFolderPerCycle = 8 * scale;
const exportsPerCycle = 6 * scale;
/** Packages dropped for each environment's import-package job per cycle; its export-package job exports one per run. */
const packagesPerCycle = 2 * scale;
const importGroup = defaultIds.importDefinitionGroupId;
const exportGroup = defaultIds.exportDefinitionGroupId;
const exportActivity = "6d31e09f-0000-4000-8000-400000000000";
/** The three upload jobs of each environment, each with its own import activity; the entity decides their imports' outcome (see the rules below). */
const uploadJobs = [
  { name: "customers", entity: "Customers V3", activityId: "6d31e09f-0000-4000-8000-400000000001" },
  { name: "groups", entity: "Customer groups", activityId: "6d31e09f-0000-4000-8000-400000000002" },
  { name: "products", entity: "Released products V2", activityId: "6d31e09f-0000-4000-8000-400000000003" },
] as const;
const faultyEndpoints: EndpointName[] = [
  "enqueue", "getMessageStatus", "getExecutionIdByMessageId", "getExecutionErrors", "dequeue", "download", "ack",
  "getAzureWriteUrl", "blobPut", "importFromPackage", "exportToPackage", "getExecutionSummaryStatus", "getExportedPackageUrl", "blobGet",
];

/**
 * The heap growth allowed between the first and the last cycle, after GC: 4 MB for V8's own variation between
 * full GCs (about 1 MB seen), and 16 kB per message for what the simulators keep of every message by design: its
 * record and execution, an export's package bytes, a failed import's error-key and staging-error blobs (about
 * 9 kB per message measured); the same for each package exported or imported (a 4 kB export package, a small
 * import package, and their executions).
 */
const heapBoundBytes = 4 * 1024 * 1024 + 16 * 1024 * environments * cycles * (uploadJobs.length * filesPerFolderPerCycle + exportsPerCycle + packagesPerCycle + 1);

/** One virtual clock for every simulator and client: Retry-After, backoff, pacing and import progress cost no real time. */
const clock = new VirtualClock();
const stopClock = clock.autoAdvance();
const sims: Simulator[] = [];
afterAll(async () => {
  stopClock();
  await Promise.all(sims.map((sim) => sim.close()));
});

v8.setFlagsFromString("--expose-gc");
const gc = vm.runInNewContext("gc") as () => void;
function heapAfterGc(): { heap: number; rss: number } {
  gc();
  gc();
  const usage = process.memoryUsage();
  return { heap: usage.heapUsed, rss: usage.rss };
}

interface Environment {
  name: string;
  sim: Simulator;
  /** Each cycle's client: a new one per cycle, as each `run --once` of a cron schedule signs in afresh. */
  client: FnoClient;
  root: string;
  /** SHA-256 of every file dropped, by upload job and file name. */
  dropped: Map<string, Map<string, string>>;
  /** SHA-256 of every package dropped for the import-package job, by file name. */
  packages: Map<string, string>;
}

describe("soak: upload, monitor, download, export-package and import-package jobs across environments and cycles, faults on", () => {
  it(`${environments} environments × ${cycles} cycles: ${environments * cycles * uploadJobs.length * filesPerFolderPerCycle} files, ${environments * cycles * exportsPerCycle} exports and ${environments * cycles * packagesPerCycle} packages to import, each settled exactly once; package exports on disk once; memory flat`, async () => {
    const root = tempDir("fno-soak-");
    const envs: Environment[] = [];
    for (let e = 0; e < environments; e++) {
      const sim = await startSimulator({
        clock,
        seed: 100 + e,
        activities: [
          ...uploadJobs.map((j) => ({ id: j.activityId, direction: "import" as const })),
          { id: exportActivity, direction: "export" },
        ],
        // Error-keys files ready at once: the monitor fetches them for every failed import without polling. A
        // package with a Vendors V2 entity imports PartiallySucceeded: those packages end in error/.
        packageApi: {
          errorKeysFileSeconds: 0,
          outcomes: [{ direction: "import", entity: "Vendors V2", status: "PartiallySucceeded", errors: [{ RecordId: "1", Field: "VENDGROUP", ErrorMessage: "Vendor group is missing." }] }],
        },
        import: {
          pickupAfterSeconds: 2,
          processingSeconds: 3,
          // One job of three fails: each failed import's error files are fetched, which costs a dozen calls.
          outcomes: [{ entity: "Customer groups", status: "ProcessedWithErrors" }],
        },
      });
      sims.push(sim);
      sim.setFaults({
        rules: [
          // Bursts longer than the client's 8 attempts: uploads left in the inbox, a queue left for later.
          { kind: "status", status: 429, endpoint: ["enqueue", "dequeue"], after: 20, times: 10, retryAfter: 2 },
          { kind: "status", status: 503, endpoint: "enqueue", after: 100, times: 10, retryAfter: 1 },
          { kind: "status", status: 503, endpoint: faultyEndpoints, rate: 0.02 },
          { kind: "status", status: 502, endpoint: faultyEndpoints, rate: 0.01 },
          { kind: "reset", endpoint: ["download", "blobGet"], afterBytes: 300, rate: 0.05 },
          // The package API: a burst past the retries (an import left waiting, an export F&O never started); calls
          // served but their answers lost (an import or export F&O has, to be followed, never repeated); polling that
          // gives up (an export the next run must follow to its package before its own: without that, one is lost).
          { kind: "status", status: 503, endpoint: ["importFromPackage", "exportToPackage"], after: 2, times: 10, retryAfter: 1 },
          { kind: "reset", endpoint: ["importFromPackage", "exportToPackage"], afterBytes: 0, rate: 0.25 },
          { kind: "status", status: 503, endpoint: ["getExecutionSummaryStatus", "getExportedPackageUrl"], after: 6, times: 12, retryAfter: 1 },
        ],
        tokenLifetimeSeconds: 90,
      });
      envs.push({ name: `env-${e}`, sim, client: clientFor(sim.connection, clock), root: path.join(root, `env-${e}`), dropped: new Map(uploadJobs.map((j) => [j.name, new Map()])), packages: new Map() });
    }

    const totals: Record<string, number> = {};
    let runsLeavingWork = 0;
    const tally = (outcome: JobOutcome) => {
      for (const [name, n] of Object.entries(outcome.counts)) totals[name] = (totals[name] ?? 0) + n;
      if ((outcome.unfinished ?? 0) > 0) runsLeavingWork++;
    };
    const context = <State = NoState>(env: Environment, job: string, initial: State = noState() as State) =>
      jobContext({ client: env.client, job, environment: env.name, stateFile: path.join(env.root, `${job}.state.json`), initial, now: () => clock.now() });
    const folderOf = (env: Environment, job: string) => path.join(env.root, job);
    /** One cycle of every job of every environment: uploads, package imports and exports, then (once their imports can have ended) monitors and downloads. */
    const runCycle = async () => {
      for (const env of envs) env.client = clientFor(env.sim.connection, clock);
      await Promise.all(
        envs.flatMap((env) => [
          ...uploadJobs.map(async (j) => tally(await uploadKind.run(context(env, j.name), { folder: folderOf(env, j.name), activityId: j.activityId, entity: j.entity, company: "USMF" }))),
          (async () => tally(await importPackageKind.run(context(env, "packages-in"), { folder: folderOf(env, "packages-in"), definitionGroupId: importGroup, legalEntityId: "USMF" })))(),
          (async () => tally(await exportPackageKind.run(context<ExportPackageState>(env, "packages-out", {}), { folder: folderOf(env, "packages-out"), definitionGroupId: exportGroup })))(),
        ]),
      );
      clock.advance(6_000);
      await Promise.all(
        envs.flatMap((env) => [
          ...[...uploadJobs.map((j) => j.name), "packages-in"].map(async (folder) => tally(await monitorKind.run(context(env, `${folder}-monitor`), { folder: folderOf(env, folder) }))),
          (async () => tally(await downloadKind.run(context(env, "download"), { activityId: exportActivity, folder: folderOf(env, "download"), concurrency: 4 })))(),
        ]),
      );
    };

    let afterFirst: { heap: number; rss: number } | undefined;
    for (let cycle = 0; cycle < cycles; cycle++) {
      for (const env of envs) {
        for (const j of uploadJobs) {
          const files = Object.fromEntries(Array.from({ length: filesPerFolderPerCycle }, (_, i) => [`c${cycle}-${String(i).padStart(4, "0")}.csv`, `${env.name},${j.entity},${cycle},${i}\r\n`.repeat(40)]));
          for (const [name, sha] of dropFiles(folderOf(env, j.name), files)) env.dropped.get(j.name)!.set(name, sha);
        }
        for (let i = 0; i < exportsPerCycle; i++) await env.sim.seedExport(exportActivity, { kind: "package", dataBytes: 2048 });
        mkdirSync(folderOf(env, "packages-in"), { recursive: true });
        for (let i = 0; i < packagesPerCycle; i++) {
          const file = await writeDataPackage(path.join(folderOf(env, "packages-in"), `p${cycle}-${i}.zip`), i % 2 === 0 ? ["Customers V3"] : ["Customers V3", "Vendors V2"]);
          env.packages.set(path.basename(file), sha256(readFileSync(file)));
        }
      }
      await runCycle();
      // Tokens expire mid-run: the next calls get 401, then a fresh token.
      for (const env of envs) env.sim.expireTokens();
      if (cycle === 0) afterFirst = heapAfterGc();
    }
    const afterLast = heapAfterGc();

    // The drain: faults off; messages the faulty cycles dequeued and left come back after their visibility timeout.
    for (const env of envs) env.sim.setFaults({});
    clock.advance(31 * 60_000);
    for (let round = 0; round < 3; round++) await runCycle();

    const settled: UploadTally = { success: 0, error: 0, unknown: 0, unknownSent: 0 };
    let exports = 0;
    let packageExports = 0;
    const packagesSettled = { success: 0, error: 0 };
    for (const env of envs) {
      for (const j of uploadJobs) {
        const t = assertUploadsSettled(env.sim, j.activityId, folderOf(env, j.name), env.dropped.get(j.name)!);
        for (const key of Object.keys(settled) as (keyof UploadTally)[]) settled[key] += t[key];
      }
      exports += await assertExportsSettled(env.sim, exportActivity, folderOf(env, "download"));
      packageExports += assertPackageExportsSettled(env.sim, folderOf(env, "packages-out"));
      const imported = assertPackageImportsSettled(env.sim, folderOf(env, "packages-in"), env.packages);
      packagesSettled.success += imported.success;
      packagesSettled.error += imported.error;
      const counters = env.sim.counters();
      expect(counters.faultsInjected, `${env.name}: faults were injected`).toBeGreaterThan(0);
      expect(counters.tokensIssued, `${env.name}: tokens were renewed`).toBeGreaterThan(cycles);
      expect([counters.responses.importFromPackage?.["503"], counters.responses.exportToPackage?.["503"]], `${env.name}: package API calls were refused`).toEqual([expect.any(Number), expect.any(Number)]);
    }
    const files = environments * cycles * uploadJobs.length * filesPerFolderPerCycle;
    expect(settled.success + settled.error).toBe(files);
    expect(exports).toBe(environments * cycles * exportsPerCycle);
    expect(packagesSettled.success + packagesSettled.error).toBe(environments * cycles * packagesPerCycle);
    expect(packagesSettled.success, "some packages imported Succeeded").toBeGreaterThan(0);
    expect(packagesSettled.error, "some packages imported PartiallySucceeded").toBeGreaterThan(0);
    // Each of the drain's runs (faults off) exports at least its own package.
    expect(packageExports).toBeGreaterThanOrEqual(environments * 3);
    // The faults did what they are there for: work was left for later runs, and picked up by them.
    expect(runsLeavingWork).toBeGreaterThan(0);
    expect(totals.deferred ?? 0).toBeGreaterThan(0);
    expect(settled.success).toBeGreaterThan(0);
    expect(settled.error - settled.unknown).toBeGreaterThan(0);

    // Memory: the heap after a full GC may grow only by what the simulators keep by design and V8's variation
    // (heapBoundBytes). A leak of about 25 kB per file, or of a client with its sockets per run, exceeds it; a
    // smaller one shows as growth well past the ~9 kB per message measured, which the printed figures give.
    // RSS is reported, not bounded: the allocator keeps freed pages, so it says little about leaks.
    const growth = afterLast.heap - afterFirst!.heap;
    console.info(
      `soak: ${files} files (${settled.success} success, ${settled.error} error of which ${settled.unknown} outcome unknown, ${settled.unknownSent} of those reached F&O), ` +
        `${exports} exports, ${packagesSettled.success + packagesSettled.error} packages imported (${packagesSettled.success} success, ${packagesSettled.error} error), ` +
        `${packageExports} packages exported, ${runsLeavingWork} runs left work for later; counts ${JSON.stringify(totals)}; ` +
        `heap after GC ${mb(afterFirst!.heap)} → ${mb(afterLast.heap)} MB, RSS ${mb(afterFirst!.rss)} → ${mb(afterLast.rss)} MB`,
    );
    expect(growth).toBeLessThan(heapBoundBytes);
  }, 120_000);
});

function mb(bytes: number): string {
  return (bytes / 1024 / 1024).toFixed(1);
}
