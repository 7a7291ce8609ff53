/**
 * `fno-connector run --once` and `jobs` in-process with the registered job kinds, against two simulated
 * environments signed in to through the CLI's own host (the loopback token endpoint): what `npm start`'s demo runs.
 */
import { mkdirSync, readdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { defaultIds, startSimulator, type Simulator } from "../../src/simulator/index.ts";
import { runCaptured } from "../cli/support.ts";
import { scratch } from "./support.ts";

let prod: Simulator;
let uat: Simulator;
const exportActivity = defaultIds.exportActivityId;
const importActivity = defaultIds.importActivityId;

beforeAll(async () => {
  const activities = [
    { id: exportActivity, direction: "export" as const, messages: [{ kind: "package" as const, dataBytes: 1024, count: 3 }] },
    { id: importActivity, direction: "import" as const },
  ];
  // The monitor polls for the error-keys file of the failed import: ready at once instead of after the default 2 s.
  const packageApi = { errorKeysFileSeconds: 0 };
  const imports = { pickupAfterSeconds: 0, processingSeconds: 0, outcomes: [{ entity: "Vendors V2", status: "ProcessedWithErrors" as const, errors: [{ RecordId: "1", Field: "VENDGROUP", ErrorMessage: "Vendor group is missing." }] }] };
  [prod, uat] = await Promise.all([startSimulator({ seed: 1, activities, import: imports, packageApi }), startSimulator({ seed: 2, activities, import: imports, packageApi })]);
});
afterAll(async () => {
  await Promise.all([prod?.close(), uat?.close()]);
});

function environment(name: string, sim: Simulator, dir: string): string {
  const c = sim.connection;
  writeFileSync(path.join(dir, `${name}-secret`), c.clientSecret);
  return `  ${name}:\n    url: ${c.environmentUrl}\n    tenant: ${c.tenantId}\n    clientId: ${c.clientId}\n    clientSecret: { file: ${name}-secret }\n    authorityHost: ${c.authorityHost}\n`;
}

const job = (name: string, lines: string) => `  ${name}:\n    schedule: "0 * * * *"\n${lines.trim().split("\n").map((l) => `    ${l.trim()}`).join("\n")}\n`;

describe("run --once with upload, monitor and download jobs on two environments", { timeout: 60_000 }, () => {
  it("uploads, settles and downloads on each environment; jobs shows each job's last run", async () => {
    const dir = scratch();
    for (const env of ["prod", "uat"]) {
      mkdirSync(path.join(dir, env, "vendors-in"), { recursive: true });
      writeFileSync(path.join(dir, env, "vendors-in", "vendors-1.csv"), "V1,Contoso\r\n");
    }
    const jobs = ["prod", "uat"].flatMap((env) => [
      job(`${env}-upload`, `kind: upload\nenvironment: ${env}\nfolder: ${env}/vendors-in\nactivityId: ${importActivity}\nentity: Vendors V2\ncompany: USMF`),
      job(`${env}-monitor`, `kind: monitor\nenvironment: ${env}\nfolder: ${env}/vendors-in`),
      job(`${env}-download`, `kind: download\nenvironment: ${env}\nfolder: ${env}/exports\nactivityId: ${exportActivity}`),
    ]);
    const file = path.join(dir, "jobs.yaml");
    writeFileSync(file, `environments:\n${environment("prod", prod, dir)}${environment("uat", uat, dir)}jobs:\n${jobs.join("")}`);

    const first = await runCaptured(["run", "--config", file, "--once", "--log", "json"]);
    expect(first.code, first.stderr + first.stdout).toBeLessThanOrEqual(1); // the monitor may find its messages still processing
    const second = await runCaptured(["run", "--config", file, "--once", "--log", "json"]);
    expect(second.code, second.stderr + second.stdout).toBe(0);
    for (const [env, sim] of [["prod", prod], ["uat", uat]] as const) {
      const errorFiles = [".execution-errors.json", ".Vendors V2.error-keys.csv", ".Vendors V2.staging-errors.csv", ".summary.url"].map((s) => `vendors-1.csv.${sim.importMessages(importActivity)[0]!.executionId}${s}`);
      expect(readdirSync(path.join(dir, env, "vendors-in", "error")).sort()).toEqual(["vendors-1.csv", "vendors-1.csv.errors.json", "vendors-1.csv.status.json", ...errorFiles].sort());
      expect(readdirSync(path.join(dir, env, "exports")).filter((n) => n.endsWith(".zip"))).toHaveLength(3);
      expect(sim.importMessages(importActivity).map((m) => m.externalIdentifier)).toEqual(["vendors-1.csv"]);
    }
    const lines = [...first.stdout.split("\n"), ...second.stdout.split("\n")].filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines.every((l) => typeof l.time === "string" && typeof l.level === "string" && typeof l.message === "string")).toBe(true);
    expect(first.stdout + second.stdout).not.toContain(prod.connection.clientSecret);

    const status = await runCaptured(["jobs", "--config", file, "--json"]);
    expect(status.code, status.stderr).toBe(0);
    const statuses = JSON.parse(status.stdout) as { job: string; environment: string; runs: number; lastRun: { result: string } }[];
    expect(statuses.map((s) => [s.job, s.environment, s.runs, s.lastRun.result])).toEqual(
      ["prod", "uat"].flatMap((env) => [[`${env}-upload`, env, 2, "ok"], [`${env}-monitor`, env, 2, "ok"], [`${env}-download`, env, 2, "ok"]]),
    );
  });
});
