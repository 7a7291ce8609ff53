import { spawn } from "node:child_process";
import { mkdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { noState } from "../../../src/jobs/kinds/common.ts";
import { runDownload } from "../../../src/jobs/kinds/download.ts";
import { runExportPackage, type ExportPackageState } from "../../../src/jobs/kinds/export-package.ts";
import { runImportPackage, type ImportPackageSettings } from "../../../src/jobs/kinds/import-package.ts";
import { runMonitor } from "../../../src/jobs/kinds/monitor.ts";
import { outcomeUnknown } from "../../../src/jobs/kinds/upload-folder.ts";
import { sendSteps, type SendStep } from "../../../src/jobs/kinds/folder-send.ts";
import { runUpload, type UploadSettings } from "../../../src/jobs/kinds/upload.ts";
import { defaultIds, startSimulator, type Simulator } from "../../../src/simulator/index.ts";
import type { ExportStep } from "../../../src/workflows/package-export.ts";
import type { SyncStep } from "../../../src/workflows/export-sync.ts";
import { assertExportsSettled, assertUploadsSettled } from "./assertions.ts";
import type { KillRun } from "./kill-run.ts";
import { writeDataPackage } from "../../workflows/package-support.ts";
import { clientFor, dropFiles, jobContext, landed, leftOver, namesIn, sha256, tempDir } from "./support.ts";
import { SeededRandom } from "../../../src/simulator/random.ts";

/*
 * Upload and download jobs run in child processes that SIGKILL themselves at seeded points (the occurrence of a
 * step, drawn from a fixed seed), then the same job is restarted in this process on the same folder and state
 * file, and the monitor follows what it uploaded. Nothing may be lost and nothing repeated: every file ends in
 * success/ or error/ once, sent to F&O exactly once, or at most once when its outcome is unknown; every export is
 * on disk once with its bytes and acknowledged.
 */

const uploadActivity = (i: number) => `6d31e09f-0000-4000-8000-2000000000${String(i).padStart(2, "0")}`;
const exportActivity = (i: number) => `6d31e09f-0000-4000-8000-3000000000${String(i).padStart(2, "0")}`;
const downloadSteps = ["downloaded", "stored-journaled", "acknowledged"] as const satisfies readonly SyncStep[];
const filesPerFolder = 5;
/** Import-package kills: before the import starts (F&O has no execution: sent again) and after it started, unrecorded (F&O has it: followed). */
const packageSteps = ["sending", "sent"] as const satisfies readonly SendStep[];
const importProject = (i: number) => `Kill test import ${i}`;
const packagesPerQueue = 6;
/** Export-package kills: while its export is polled, before its download, and once its package has its name (before the state says so). */
const exportSteps = ["status", "downloading", "stored"] as const satisfies readonly ExportStep["type"][];

/** The upload cases: every step with one file at a time, and a kill with three files in flight. */
const uploadCases: { step: SendStep; concurrency: number }[] = [...sendSteps.map((step) => ({ step, concurrency: 1 })), { step: "sending", concurrency: 3 }];

let sim: Simulator;
beforeAll(async () => {
  sim = await startSimulator({
    seed: 31,
    activities: [
      ...uploadCases.map((_, i) => ({ id: uploadActivity(i), direction: "import" as const })),
      ...downloadSteps.map((_, i) => ({ id: exportActivity(i), direction: "export" as const, messages: [{ kind: "package" as const, dataBytes: 4096, count: packagesPerQueue }] })),
    ],
    import: { pickupAfterSeconds: 1, processingSeconds: 1, outcomes: [{ entity: "Customer groups", status: "ProcessedWithErrors" }] },
    // One data project per import-package case: F&O refuses an import call while another for the same project runs.
    packageApi: { definitionGroups: packageSteps.map((_, i) => ({ id: importProject(i), direction: "import" as const })) },
  });
});
afterAll(() => sim?.close());


/** Runs the job in a child process until it kills itself; resolves with how it ended. */
function runKilled(run: Omit<KillRun, "connection">, connection = sim.connection): Promise<{ signal: NodeJS.Signals | null; code: number | null; output: string }> {
  const child = spawn(process.execPath, ["--import", "tsx", path.join(import.meta.dirname, "kill-run.ts"), JSON.stringify({ ...run, connection })], {
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout.on("data", (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on("data", (chunk: Buffer) => (output += chunk.toString()));
  return new Promise((resolve) => child.on("exit", (code, signal) => resolve({ code, signal, output })));
}

describe("jobs killed with SIGKILL at seeded points, then restarted", () => {
  it(`upload (each of ${sendSteps.join(", ")}, and with 3 in flight), import-package (${packageSteps.join(", ")}) and download (${downloadSteps.join(", ")}): nothing lost, nothing repeated`, async () => {
    // Deterministic kill points: the same seed kills at the same moments on every machine.
    const dice = new SeededRandom(20261130);
    const random = () => dice.next();
    const root = tempDir("fno-jobs-kill-");
    const uploads = uploadCases.map((c, i) => {
      const folder = path.join(root, `upload-${i}`);
      const entity = i % 2 === 0 ? "Customers V3" : "Customer groups";
      const dropped = dropFiles(folder, Object.fromEntries(Array.from({ length: filesPerFolder }, (_, f) => [`file-${f}.csv`, `${entity},${i},${f}\r\n`])));
      const settings: UploadSettings = { folder, activityId: uploadActivity(i), entity, concurrency: c.concurrency };
      // Never the first file for one at a time (so one is done before the kill); any of the first three with three in flight.
      const occurrence = c.concurrency === 1 ? 2 + Math.floor(random() * 3) : 1 + Math.floor(random() * 3);
      return { ...c, folder, settings, dropped, occurrence, stateFile: path.join(root, `upload-${i}.state.json`) };
    });
    const downloads = downloadSteps.map((step, i) => ({
      step,
      settings: { activityId: exportActivity(i), folder: path.join(root, `download-${i}`), concurrency: 2 },
      occurrence: 1 + Math.floor(random() * 4),
      stateFile: path.join(root, `download-${i}.state.json`),
    }));

    const packages = await Promise.all(
      packageSteps.map(async (step, i) => {
        const folder = path.join(root, `import-package-${i}`);
        const dropped = new Map<string, string>();
        mkdirSync(folder);
        for (let f = 0; f < 3; f++) {
          const file = await writeDataPackage(path.join(folder, `package-${f}.zip`), ["Customers V3"]);
          dropped.set(path.basename(file), sha256(readFileSync(file)));
        }
        const settings: ImportPackageSettings = { folder, definitionGroupId: importProject(i) };
        return { step, folder, dropped, settings, occurrence: 2, stateFile: path.join(root, `import-package-${i}.state.json`) };
      }),
    );

    const killed = await Promise.all([
      ...packages.map((p) => runKilled({ kind: "import-package", settings: p.settings, step: p.step, occurrence: p.occurrence, stateFile: p.stateFile })),
      ...uploads.map((u) => runKilled({ kind: "upload", settings: u.settings, step: u.step, occurrence: u.occurrence, stateFile: u.stateFile })),
      ...downloads.map((d) => runKilled({ kind: "download", settings: d.settings, step: d.step, occurrence: d.occurrence, stateFile: d.stateFile })),
    ]);
    for (const [i, result] of killed.entries()) expect(result.signal, `run ${i} was to be killed mid-work: ${result.output}`).toBe("SIGKILL");

    // What each kill left behind, before the restart: the proof the kill landed where it was meant to.
    for (const u of uploads.filter((u) => u.concurrency === 1)) {
      const stage = { claimed: "claimed", sending: "sending", sent: "sending", recorded: "sending", moved: undefined }[u.step];
      const inFlight = namesIn(path.join(u.folder, ".fno-upload", "claimed")).length + namesIn(path.join(u.folder, ".fno-upload", "sending")).length;
      expect(inFlight, `upload killed at ${u.step}`).toBe(stage ? 1 : 0);
      if (stage) expect(namesIn(path.join(u.folder, ".fno-upload", stage)), `upload killed at ${u.step}`).toHaveLength(1);
      expect(sim.importMessages(u.settings.activityId), `messages sent before the kill at ${u.step}`).toHaveLength(u.occurrence - (u.step === "claimed" || u.step === "sending" ? 1 : 0));
    }

    // The restart, in this process: the upload finishes what the killed run left, then the monitor follows it all.
    for (const u of uploads) {
      const context = jobContext({ client: clientFor(sim.connection), stateFile: u.stateFile, initial: noState() });
      await runUpload(context, u.settings);
    }
    for (const p of packages) {
      expect(namesIn(path.join(p.folder, ".fno-upload", "sending")), `import-package killed at ${p.step}`).toHaveLength(1);
      const restart = await runImportPackage(jobContext({ client: clientFor(sim.connection), stateFile: p.stateFile, initial: noState() }), p.settings);
      // Killed before its import started: F&O has no execution under its ID, so it is sent again; after: it is followed.
      expect(restart.counts, `import-package killed at ${p.step}`).toMatchObject(p.step === "sending" ? { returned: 1, resumed: 0, uploaded: 2 } : { returned: 0, resumed: 1, uploaded: 1 });
    }
    for (const d of downloads) await runDownload(jobContext({ client: clientFor(sim.connection), stateFile: d.stateFile, initial: noState() }), d.settings);
    // Import messages reach their final status; messages the killed downloads dequeued come back after their visibility timeout.
    sim.clock.advance(31 * 60_000);
    const tallies = [];
    for (const u of uploads) {
      await runMonitor(jobContext({ client: clientFor(sim.connection), stateFile: `${u.stateFile}.monitor`, initial: noState() }), { folder: u.folder });
      const tally = assertUploadsSettled(sim, u.settings.activityId, u.folder, u.dropped);
      tallies.push({ step: u.step, concurrency: u.concurrency, ...tally });
      if (u.concurrency === 1) {
        // Killed between the move to sending/ and F&O's recorded answer: the one file whose outcome cannot be known.
        const unknown = u.step === "sending" || u.step === "sent" ? 1 : 0;
        expect(tally, `upload killed at ${u.step}`).toMatchObject({ unknown, unknownSent: u.step === "sent" ? 1 : 0 });
      }
    }
    // Every package imported exactly once, none left unknown: F&O was asked for the execution ID each one was to get.
    const calls = sim.importCalls().filter((c) => c.refusal === null);
    for (const p of packages) {
      await runMonitor(jobContext({ client: clientFor(sim.connection), stateFile: `${p.stateFile}.monitor`, initial: noState() }), { folder: p.folder });
      expect(leftOver(p.folder), `import-package killed at ${p.step}`).toEqual([]);
      const settled = landed(p.folder);
      expect(settled.map((l) => [l.record.file, l.where, l.record.status, l.dataSha256]).sort(), `import-package killed at ${p.step}`).toEqual(
        [...p.dropped].map(([file, sha]) => [file, "success", "Succeeded", sha]).sort(),
      );
      for (const l of settled) expect(calls.filter((c) => c.executionId === l.record.executionId), `${l.record.file} imported once`).toHaveLength(1);
      expect(settled.some((l) => l.record.status === outcomeUnknown)).toBe(false);
    }
    expect(calls).toHaveLength(packages.length * 3);
    for (const d of downloads) {
      await runDownload(jobContext({ client: clientFor(sim.connection), stateFile: d.stateFile, initial: noState() }), d.settings);
      expect(await assertExportsSettled(sim, d.settings.activityId, d.settings.folder)).toBe(packagesPerQueue);
    }
    expect(tallies.reduce((n, t) => n + t.success + t.error, 0)).toBe(uploads.length * filesPerFolder);
  }, 60_000);

  it(`export-package killed at each of ${exportSteps.join(", ")}: the restart stores the killed run's export once, then exports its own`, async () => {
    // Exports final at once, so the restart's polls cost no real time.
    const exportSim = await startSimulator({ seed: 41, packageApi: { notRunSeconds: 0, executingSeconds: 0 } });
    try {
      const root = tempDir("fno-jobs-kill-export-");
      const cases = exportSteps.map((step, i) => ({
        step,
        settings: { folder: path.join(root, `export-${i}`), definitionGroupId: defaultIds.exportDefinitionGroupId },
        stateFile: path.join(root, `export-${i}.state.json`),
      }));
      const killed = await Promise.all(cases.map((c) => runKilled({ kind: "export-package", settings: c.settings, step: c.step, occurrence: 1, stateFile: c.stateFile }, exportSim.connection)));
      for (const [i, result] of killed.entries()) expect(result.signal, `export-package ${cases[i]!.step} was to be killed mid-work: ${result.output}`).toBe("SIGKILL");
      for (const c of cases) {
        const { following } = JSON.parse(readFileSync(c.stateFile, "utf8")) as ExportPackageState;
        const restart = await runExportPackage(jobContext<ExportPackageState>({ client: clientFor(exportSim.connection), stateFile: c.stateFile, initial: {} }), c.settings);
        // Killed once its package had its name: nothing left to follow, only the restart's own export.
        expect(restart, `export-package killed at ${c.step}`).toEqual({ counts: { exported: c.step === "stored" ? 1 : 2, partial: 0 }, unfinished: 0 });
        const packages = namesIn(c.settings.folder);
        expect(packages, `export-package killed at ${c.step}: its export on disk`).toContain(`${following!.executionId}.zip`);
        expect(packages.filter((n) => !n.endsWith(".zip")), `export-package killed at ${c.step}: nothing partial`).toEqual([]);
        const executions = new Map(exportSim.packageExecutions().map((e) => [e.executionId, e]));
        for (const name of packages) expect(sha256(readFileSync(path.join(c.settings.folder, name))), name).toBe(executions.get(name.replace(/\.zip$/, ""))?.packageSha256);
        expect(packages, `export-package killed at ${c.step}: the killed export and the restart's`).toHaveLength(2);
      }
      expect(exportSim.packageExecutions().filter((e) => e.direction === "export"), "one export per run, none started twice").toHaveLength(cases.length * 2);
    } finally {
      await exportSim.close();
    }
  }, 60_000);
});
