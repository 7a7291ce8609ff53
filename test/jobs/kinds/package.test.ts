import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { noState, type NoState } from "../../../src/jobs/kinds/common.ts";
import { runExportPackage, type ExportPackageState } from "../../../src/jobs/kinds/export-package.ts";
import { runImportPackage, type ImportPackageSettings } from "../../../src/jobs/kinds/import-package.ts";
import { runMonitor } from "../../../src/jobs/kinds/monitor.ts";
import { rejected } from "../../../src/jobs/kinds/upload-folder.ts";
import { defaultIds, type PackageOutcomeRule, type Simulator } from "../../../src/simulator/index.ts";
import { VirtualClock } from "../../support/virtual-clock.ts";
import { writeDataPackage } from "../../workflows/package-support.ts";
import { clientFor, jobContext, landed, leftOver, namesIn, sha256, tempDir, type TestContext } from "./support.ts";
import { simulatorsClosedAfterEach } from "../../support/simulators.ts";

const importGroup = defaultIds.importDefinitionGroupId;
const exportGroup = defaultIds.exportDefinitionGroupId;
/** Imports of a package with a "Vendors V2" entity end PartiallySucceeded, with an error key and a staging error. */
const outcomes: PackageOutcomeRule[] = [
  {
    direction: "import",
    entity: "Vendors V2",
    status: "PartiallySucceeded",
    errors: [{ RecordId: "5637144577", Field: "VENDORACCOUNTNUMBER", ErrorMessage: "Vendor V-9 does not exist." }],
    entityErrors: [{ entity: "Vendors V2", errorKeys: ["VENDORACCOUNTNUMBER", "V-9"], stagingErrors: ["VENDORACCOUNTNUMBER,ERROR", "V-9,Vendor group missing"] }],
  },
];

const startSimulatorOnVirtualClock = simulatorsClosedAfterEach();

async function simulator(): Promise<{ sim: Simulator; clock: VirtualClock }> {
  return startSimulatorOnVirtualClock({ seed: 21, packageApi: { outcomes } });
}

function context(sim: Simulator, clock: VirtualClock, folder: string): TestContext<NoState> {
  return jobContext({ client: clientFor(sim.connection, clock), stateFile: `${folder}.state.json`, initial: noState(), now: () => clock.now() });
}

describe("export-package job", () => {
  it("writes each run's package under its execution ID with the bytes F&O exported, and removes a download a crash cut short", async () => {
    const { sim, clock } = await simulator();
    const folder = path.join(tempDir("fno-export-package-"), "out");
    const ctx = context(sim, clock, folder);
    expect((await runExportPackage(ctx, { folder, definitionGroupId: exportGroup })).counts).toEqual({ exported: 1, partial: 0 });
    writeFileSync(path.join(folder, "killed-run.zip.partial"), "half a package");
    expect((await runExportPackage(ctx, { folder, definitionGroupId: exportGroup, extract: true })).counts).toEqual({ exported: 1, partial: 0 });
    const exports = sim.packageExecutions().filter((e) => e.direction === "export");
    expect(exports).toHaveLength(2);
    const packages = namesIn(folder).filter((n) => n.endsWith(".zip"));
    expect(packages.map((n) => sha256(readFileSync(path.join(folder, n)))).sort()).toEqual(exports.map((e) => e.packageSha256).sort());
    expect(packages.map((n) => n.replace(/\.zip$/, "")).sort()).toEqual(exports.map((e) => e.executionId).sort());
    expect(existsSync(path.join(folder, "killed-run.zip.partial"))).toBe(false);
    expect(existsSync(path.join(folder, exports[1]!.executionId)), "the second run extracted its package").toBe(true);
  });

  it("an export of a data project F&O does not have is reported and left for the next run, not thrown", async () => {
    const { sim, clock } = await simulator();
    const folder = path.join(tempDir("fno-export-package-"), "out");
    const ctx = jobContext<ExportPackageState>({ client: clientFor(sim.connection, clock), stateFile: `${folder}.state.json`, initial: {}, now: () => clock.now() });
    expect(await runExportPackage(ctx, { folder, definitionGroupId: "No such project" })).toEqual({ counts: { exported: 0, partial: 0, failed: 1 }, unfinished: 1 });
    expect(ctx.logs.at(-1)).toMatchObject({ level: "warn", message: expect.stringMatching(/no package this run.*No such project/) });
    expect(namesIn(folder)).toEqual([]);
    // The next run finds no such execution to follow (F&O answers 500 for its status), and exports afresh.
    const first = ctx.state.get().following!.executionId;
    expect(await runExportPackage(ctx, { folder, definitionGroupId: "No such project" })).toEqual({ counts: { exported: 0, partial: 0, failed: 1 }, unfinished: 1 });
    expect(ctx.logs.map((l) => l.message)).toContain(`export ${first} of an earlier run never started in F&O`);
    expect(ctx.state.get().following!.executionId).not.toBe(first);
  });

  it("an export still running when its run stops is followed to its package by the next run, before that run's own export", async () => {
    const { sim, clock } = await simulator();
    const folder = path.join(tempDir("fno-export-package-"), "out");
    const stateFile = `${folder}.state.json`;
    const stop = new AbortController();
    const client = clientFor(sim.connection, clock);
    const status = client.getExecutionSummaryStatus.bind(client);
    // SIGTERM while the export is polled: after F&O's first answer (NotRun or Executing).
    client.getExecutionSummaryStatus = async (...args) => {
      const answer = await status(...args);
      stop.abort(new Error("SIGTERM"));
      return answer;
    };
    const stopped = jobContext<ExportPackageState>({ client, stateFile, initial: {}, signal: stop.signal, now: () => clock.now() });
    expect(await runExportPackage(stopped, { folder, definitionGroupId: exportGroup })).toEqual({ counts: { exported: 0, partial: 0, interrupted: 1 }, unfinished: 1 });
    const [cutOff] = sim.packageExecutions().filter((e) => e.direction === "export");
    expect(JSON.parse(readFileSync(stateFile, "utf8"))).toMatchObject({ following: { executionId: cutOff!.executionId } });
    expect(namesIn(folder)).toEqual([]);

    const next = jobContext<ExportPackageState>({ client: clientFor(sim.connection, clock), stateFile, initial: {}, now: () => clock.now() });
    expect(await runExportPackage(next, { folder, definitionGroupId: exportGroup })).toEqual({ counts: { exported: 2, partial: 0 }, unfinished: 0 });
    const exports = sim.packageExecutions().filter((e) => e.direction === "export");
    expect(exports.map((e) => e.executionId)[0]).toBe(cutOff!.executionId);
    expect(exports).toHaveLength(2);
    for (const e of exports) expect(sha256(readFileSync(path.join(folder, `${e.executionId}.zip`)))).toBe(e.packageSha256);
    expect(JSON.parse(readFileSync(stateFile, "utf8"))).toEqual({});
  });

  it("a package a run stored before it could clear its state is not exported again", async () => {
    const { sim, clock } = await simulator();
    const folder = path.join(tempDir("fno-export-package-"), "out");
    const stateFile = `${folder}.state.json`;
    const ctx = jobContext<ExportPackageState>({ client: clientFor(sim.connection, clock), stateFile, initial: {}, now: () => clock.now() });
    await runExportPackage(ctx, { folder, definitionGroupId: exportGroup });
    const [stored] = sim.packageExecutions().filter((e) => e.direction === "export");
    // As a kill right after the package got its name leaves the state.
    writeFileSync(stateFile, JSON.stringify({ following: { executionId: stored!.executionId, startedAt: new Date(clock.now()).toISOString() } }));
    const again = jobContext<ExportPackageState>({ client: clientFor(sim.connection, clock), stateFile, initial: {}, now: () => clock.now() });
    expect(await runExportPackage(again, { folder, definitionGroupId: exportGroup })).toEqual({ counts: { exported: 1, partial: 0 }, unfinished: 0 });
    expect(sim.packageExecutions().filter((e) => e.direction === "export")).toHaveLength(2);
    expect(namesIn(folder).filter((n) => n.endsWith(".zip"))).toHaveLength(2);
  });
});

describe("import-package job", () => {
  it("imports each package once under an execution ID chosen first; the monitor settles it, with the package API's error files beside a partial one", async () => {
    const { sim, clock } = await simulator();
    const folder = path.join(tempDir("fno-import-package-"), "in");
    mkdirSync(folder);
    const ctx = context(sim, clock, folder);
    const customers = await writeDataPackage(path.join(folder, "customers.zip"), ["Customers V3"]);
    const customersSha = sha256(readFileSync(customers));
    await writeDataPackage(path.join(folder, "vendors.zip"), ["Customers V3", "Vendors V2"]);
    writeFileSync(path.join(folder, "notes.txt"), "not a package");
    const settings: ImportPackageSettings = { folder, definitionGroupId: importGroup, legalEntityId: "USMF" };

    const outcome = await runImportPackage(ctx, settings);
    expect(outcome).toEqual({ counts: { uploaded: 2, rejected: 1, unknown: 0, deferred: 0, returned: 0, resumed: 0 }, unfinished: 0 });
    const calls = sim.importCalls();
    expect(calls.map((c) => c.refusal)).toEqual([null, null]);
    expect(namesIn(path.join(folder, ".fno-upload", "intents")), "nothing kept for finished claims").toEqual([]);
    const [notes] = landed(folder);
    expect(notes).toMatchObject({ where: "error", record: { file: "notes.txt", status: rejected } });

    expect((await runMonitor(ctx, { folder })).counts).toMatchObject({ pending: 2 });
    // Executions wait 2 s for their batch and run 3 s on the simulator's clock.
    clock.advance(10_000);
    expect((await runMonitor(ctx, { folder })).counts).toMatchObject({ succeeded: 1, failed: 1 });
    expect(leftOver(folder)).toEqual([]);
    const settled = new Map(landed(folder).map((l) => [l.record.file, l]));
    const executions = new Map(sim.packageExecutions().map((e) => [e.executionId, e]));
    const customersDone = settled.get("customers.zip")!;
    expect(customersDone).toMatchObject({ where: "success", record: { status: "Succeeded", definitionGroupId: importGroup, legalEntityId: "USMF", entities: ["Customers V3"] }, dataSha256: customersSha });
    expect(executions.get(customersDone.record.executionId!)?.status).toBe("Succeeded");
    const vendors = settled.get("vendors.zip")!;
    expect(vendors).toMatchObject({ where: "error", record: { status: "PartiallySucceeded" } });
    const executionId = vendors.record.executionId!;
    expect(calls.map((c) => c.executionId).sort()).toEqual([customersDone.record.executionId, executionId].sort());
    const prefix = `vendors.zip.${executionId}`;
    expect(namesIn(path.join(folder, "error")).filter((n) => n.startsWith(prefix)).sort()).toEqual(
      [".Vendors V2.error-keys.csv", ".Vendors V2.staging-errors.csv", ".execution-errors.json", ".summary.url"].map((s) => `${prefix}${s}`).sort(),
    );
    expect(vendors.errors).toMatchObject({ executionId, status: "PartiallySucceeded", problems: [], errors: [{ ErrorMessage: "Vendor V-9 does not exist." }] });
    expect(readFileSync(path.join(folder, "error", `${prefix}.Vendors V2.error-keys.csv`), "utf8")).toBe("VENDORACCOUNTNUMBER\r\nV-9\r\n");
  });
});
