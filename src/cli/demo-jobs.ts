import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { stringify } from "yaml";
import { loadJobsConfig } from "../jobs/config.ts";
import { logWriter } from "../jobs/log.ts";
import { runJobs, type RunJobsResult } from "../jobs/runner.ts";
import type { ErrorsFile } from "../jobs/kinds/monitor.ts";
import { errorsSuffix, statusSuffix, type UploadRecord } from "../jobs/kinds/upload-folder.ts";
import { startSimulator } from "../simulator/index.ts";
import { packageDigests, packageFileName } from "../workflows/package-store.ts";
import { cliJobsHost } from "./commands/run.ts";
import { CliError, ExitCode } from "./errors.ts";

const exportActivity = "6d31e09f-0000-4000-8000-5000000000e1";
const importActivity = "6d31e09f-0000-4000-8000-5000000000e2";
const secretVariable = "FNO_DEMO_CLIENT_SECRET";
const uploads = {
  "customers-in": { entity: "Customers V3", files: { "customers-1.csv": "CUSTOMERACCOUNT,NAME\r\nUS-101,Fabrikam\r\n", "customers-2.csv": "CUSTOMERACCOUNT,NAME\r\nUS-102,Litware\r\n" } },
  "groups-in": { entity: "Customer groups", files: { "customer-groups.csv": "CUSTGROUPID,DESCRIPTION\r\n30,Intercompany\r\n" } },
} as const;

/**
 * The jobs part of `npm start`: a jobs.yaml for an embedded simulator with two upload jobs, their monitors and a
 * download job, run with `run --once` (the runner's library function and the CLI's host), then, once the simulated
 * imports have ended, the monitors once more; prints what landed where and checks every package's SHA-256.
 */
export async function runJobsDemo(outDir: string, write: (text: string) => void): Promise<void> {
  const sim = await startSimulator({
    seed: 14,
    activities: [
      { id: exportActivity, direction: "export", messages: [{ kind: "package", dataBytes: 16 * 1024, count: 3 }] },
      { id: importActivity, direction: "import" },
    ],
    // Error-keys files ready at once, so the monitor fetches them without waiting.
    packageApi: { errorKeysFileSeconds: 0 },
    import: {
      pickupAfterSeconds: 1,
      processingSeconds: 1,
      outcomes: [{ entity: "Customer groups", status: "ProcessedWithErrors", errors: [{ RecordId: "1", Field: "CUSTGROUPID", ErrorMessage: "Customer group 30 already exists." }] }],
    },
  });
  try {
    rmSync(outDir, { recursive: true, force: true });
    for (const [folder, { files }] of Object.entries(uploads)) {
      mkdirSync(path.join(outDir, folder), { recursive: true });
      for (const [name, content] of Object.entries(files)) writeFileSync(path.join(outDir, folder, name), content);
    }
    const c = sim.connection;
    const schedule = "*/5 * * * *";
    const jobs: Record<string, Record<string, unknown>> = {
      "sales-out": { kind: "download", environment: "simulator", schedule, folder: "sales-out", activityId: exportActivity },
    };
    for (const [folder, { entity }] of Object.entries(uploads)) {
      jobs[folder] = { kind: "upload", environment: "simulator", schedule, folder, activityId: importActivity, entity, company: "USMF" };
      jobs[`${folder}-monitor`] = { kind: "monitor", environment: "simulator", schedule, folder };
    }
    const file = path.join(outDir, "jobs.yaml");
    writeFileSync(
      file,
      stringify({
        environments: { simulator: { url: c.environmentUrl, tenant: c.tenantId, clientId: c.clientId, clientSecret: { env: secretVariable }, authorityHost: c.authorityHost } },
        jobs,
      }),
    );
    const config = loadJobsConfig(file);
    const once = async (only?: string[]): Promise<RunJobsResult> =>
      runJobs({
        config,
        host: cliJobsHost,
        once: true,
        ...(only ? { jobs: only } : {}),
        env: { [secretVariable]: c.clientSecret },
        // Warnings and errors only: each run's counts are summed up below.
        log: logWriter((line) => write(`  ${line}`), "text", "warn"),
      });
    const report = (what: string, result: RunJobsResult) =>
      write(`  jobs: ${what}: ${result.outcomes.map((o) => `${o.job} ${o.result}${o.summary ? ` (${nonZero(o.summary.counts)})` : ""}`).join(", ")}\n`);
    write("\n");
    const first = await once();
    report(`run --once --config ${path.relative(process.cwd(), file)}`, first);
    // The simulated imports end two seconds after their enqueue: move the simulator's clock on, then the monitors again.
    sim.clock.advance(5_000);
    const second = await once(Object.keys(uploads).map((folder) => `${folder}-monitor`));
    report("the imports have ended; the monitors once more", second);

    const lines = [""];
    for (const folder of Object.keys(uploads)) {
      for (const where of ["success", "error"]) {
        for (const status of readdirSync(path.join(outDir, folder, where)).filter((n) => n.endsWith(statusSuffix))) {
          const record = JSON.parse(readFileSync(path.join(outDir, folder, where, status), "utf8")) as UploadRecord;
          const listed = where === "error" ? (JSON.parse(readFileSync(path.join(outDir, folder, where, `${record.storedAs}${errorsSuffix}`), "utf8")) as ErrorsFile) : undefined;
          const files = listed && [listed.executionErrors, ...listed.errorKeys.map((f) => f.file), ...listed.stagingErrors.map((f) => f.file), listed.summaryPage].filter((f) => f !== undefined);
          // The files are named `<file>.<execution ID>.<what>`: the what is enough here.
          const prefix = listed && `${record.storedAs}.${listed.executionId}.`;
          const errors = files ? ` (beside it, for execution ${listed.executionId}: ${files.map((f) => path.basename(f).slice(prefix!.length)).join(", ")})` : "";
          lines.push(`jobs: ${record.file} → ${path.relative(process.cwd(), path.join(outDir, folder, where, record.storedAs))}: ${record.status}, message ${record.messageId}${errors}`);
        }
      }
    }
    const expected = new Map(sim.exportMessages(exportActivity).map((m) => [packageFileName({ CorrelationId: m.correlationId }), m.sha256]));
    const onDisk = await packageDigests(path.join(outDir, "sales-out"));
    const mismatches = [...expected].filter(([name, sha]) => onDisk.get(name) !== sha).map(([name]) => name);
    lines.push(`jobs: ${onDisk.size} package(s) → ${path.relative(process.cwd(), path.join(outDir, "sales-out"))}, ${expected.size - mismatches.length} verified by SHA-256`);
    write(lines.join("\n") + "\n");
    if (mismatches.length > 0 || first.exitCode !== 0 || second.exitCode !== 0) {
      throw new CliError(`the jobs demo did not finish its work: ${mismatches.length > 0 ? `packages missing or different: ${mismatches.join(", ")}` : "see the log above"}`, ExitCode.failed);
    }
  } finally {
    await sim.close();
  }
}

function nonZero(counts: Record<string, number>): string {
  return Object.entries(counts).filter(([, n]) => n > 0).map(([name, n]) => `${name} ${n}`).join(", ") || "nothing to do";
}
