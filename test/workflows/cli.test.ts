import { spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { defaultIds, startSimulator, type Simulator, type SimulatorConnection } from "../../src/simulator/index.ts";
import { runAgainstSimulator } from "../../src/cli/demo-run.ts";
import { compileConnector } from "../../src/compile/index.ts";
import { writeZip } from "../../src/zip/index.ts";
import { placeholderConfig } from "../../src/compile/config.ts";
import { repoRoot } from "../support/shared.ts";
import { runCaptured, type CliRun } from "../cli/support.ts";
import { tempDir } from "./support.ts";
import { loopbackServers } from "../client/agent-servers.ts";

// The CLI's client waits out its backoffs on a virtual clock: a download cut off on every attempt fails after
// all of them, in no real time.
vi.mock("../../src/client/client.ts", async (original) => (await import("../cli/virtual-clock.ts")).moduleOnVirtualClock(original, "FnoClient"));

let sim: Simulator;
beforeAll(async () => {
  sim = await startSimulator({
    seed: 8,
    activities: [
      { id: defaultIds.exportActivityId, direction: "export", messages: [{ kind: "package", dataBytes: 500, count: 2 }, { kind: "missing-file", message: "Blob was deleted" }] },
      { id: defaultIds.importActivityId, direction: "import" },
    ],
    import: {
      pickupAfterSeconds: 0,
      processingSeconds: 0,
      outcomes: [{ entity: "Customer groups", status: "ProcessedWithErrors", errors: [{ RecordId: "7", Field: "CUSTGROUPID", ErrorMessage: "Group 30 exists." }] }],
    },
  });
});
afterAll(() => sim?.close());
const { rawServer } = loopbackServers();

function connectionFlags(connection: SimulatorConnection): string[] {
  return ["--url", connection.environmentUrl, "--tenant", connection.tenantId, "--client-id", connection.clientId, "--authority-host", connection.authorityHost];
}

/** Runs the CLI in-process against the simulator, the secret in AZURE_CLIENT_SECRET as the README advises. */
async function cli(args: string[], connection = sim.connection): Promise<CliRun> {
  const saved = process.env.AZURE_CLIENT_SECRET;
  process.env.AZURE_CLIENT_SECRET = connection.clientSecret;
  try {
    return await runCaptured([...args, ...connectionFlags(connection)]);
  } finally {
    if (saved === undefined) delete process.env.AZURE_CLIENT_SECRET;
    else process.env.AZURE_CLIENT_SECRET = saved;
  }
}

/** Runs the real CLI (`bin/fno-connector.js`) as its own process; the exit code is the process's. */
function cliProcess(args: string[], connection: SimulatorConnection): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, [path.join(repoRoot, "bin", "fno-connector.js"), ...args, ...connectionFlags(connection)], {
    env: { ...process.env, AZURE_CLIENT_SECRET: connection.clientSecret },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (c: Buffer) => (stdout += c.toString()));
  child.stderr.on("data", (c: Buffer) => (stderr += c.toString()));
  return new Promise((resolve) => child.on("exit", (code) => resolve({ code, stdout, stderr })));
}

describe("the workflow commands, as a user runs them", () => {
  it("sync stores what it can and exits 1, naming the message it had to leave", async () => {
    const out = tempDir("fno-cli-");
    const result = await cli(["sync", "--activity", defaultIds.exportActivityId, "--out", out]);
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/^2 stored, 0 already stored, 2 acknowledged, 1 problem\(s\)/);
    expect(result.stderr).toContain("unavailable failed for");
    expect(result.stderr).toContain("Blob was deleted");
    expect(result.stderr).toContain("1 message(s) were not completed and stay in the queue");
  });

  it("sync counts only unfinished messages as staying in the queue, not acknowledged ones it could not extract", async () => {
    const other = await startSimulator({
      seed: 9,
      activities: [
        { id: defaultIds.exportActivityId, direction: "export", messages: [{ kind: "missing-file", message: "Blob was deleted" }] },
        { id: defaultIds.importActivityId, direction: "import" },
      ],
    });
    try {
      const bomb = await writeZip(new Map([["zeros.bin", Buffer.alloc(8 * 1024 * 1024)]]));
      await other.seedExport(defaultIds.exportActivityId, { kind: "bytes", bytes: bomb });
      const out = tempDir("fno-cli-");
      const result = await cli(["sync", "--activity", defaultIds.exportActivityId, "--out", out, "--extract"], other.connection);
      expect(result.code).toBe(1);
      expect(result.stdout).toMatch(/^1 stored, 0 already stored, 1 acknowledged, 2 problem\(s\)/);
      expect(result.stderr).toContain("1 message(s) were not completed and stay in the queue");
      expect(result.stderr).toContain("1 package(s) were stored and acknowledged but not extracted");
      expect(other.exportMessages(defaultIds.exportActivityId).filter((m) => m.ackedAt !== null)).toHaveLength(1);
    } finally {
      await other.close();
    }
  });

  it("enqueue --wait follows a failing import and prints why it failed; status shows the same", async () => {
    const file = path.join(tempDir("fno-cli-"), "groups.csv");
    writeFileSync(file, "CUSTGROUPID,DESCRIPTION\r\n30,Intercompany\r\n");
    const result = await cli(["enqueue", file, "--activity", defaultIds.importActivityId, "--entity", "Customer groups", "--company", "USMF", "--wait"]);
    expect(result.code).toBe(1);
    const printed = JSON.parse(result.stdout) as { messageId: string; status: string; errors: { errors: unknown[] } };
    expect(printed.status).toBe("ProcessedWithErrors");
    expect(printed.errors.errors).toEqual([{ RecordId: "7", Field: "CUSTGROUPID", ErrorMessage: "Group 30 exists." }]);
    expect(result.stderr).toContain(`import ${printed.messageId} ended as ProcessedWithErrors`);

    const status = await cli(["status", printed.messageId]);
    expect(status.code).toBe(0);
    expect(JSON.parse(status.stdout)).toMatchObject({ status: "ProcessedWithErrors", errors: [{ ErrorMessage: "Group 30 exists." }] });
  });

  it("download writes the package whole or not at all", async () => {
    const [first] = sim.exportMessages(defaultIds.exportActivityId);
    const out = path.join(tempDir("fno-cli-"), "package.zip");
    sim.setFaults({ rules: [{ kind: "truncate", endpoint: "download", afterBytes: 100 }] });
    const cut = await cli(["download", first!.downloadLocation!, "--out", out]);
    sim.setFaults({});
    expect(cut.code).toBe(1);
    expect(existsSync(out)).toBe(false);
    expect(existsSync(`${out}.partial`)).toBe(false);
    const whole = await cli(["download", first!.downloadLocation!, "--out", out]);
    expect(whole.code, whole.stderr).toBe(0);
    expect(createHash("sha256").update(readFileSync(out)).digest("hex")).toBe(first!.sha256);
  });

  /** A server that sends `body` without a length (no Content-Length, not chunked): it ends where the connection does, cut off or not. */
  const closeDelimited = async (body: Buffer) => (await rawServer((socket) => socket.end(Buffer.concat([Buffer.from("HTTP/1.1 200 OK\r\ncontent-type: application/zip\r\n\r\n"), body])))).url;
  const zipOfSomeKiB = () => writeZip(new Map([["data.csv", Buffer.from("a,b\r\n".repeat(2000))]]));

  it("download checks a package sent without a length as a zip: a cut-off one fails naming the file, and nothing is written", async () => {
    const zip = await zipOfSomeKiB();
    const dir = tempDir("fno-cli-");
    const whole = await cli(["download", `${await closeDelimited(zip)}/package.zip`, "--out", path.join(dir, "whole.zip")]);
    expect(whole.code, whole.stderr).toBe(0);
    expect(readFileSync(path.join(dir, "whole.zip")).equals(zip)).toBe(true);

    const cut = path.join(dir, "cut.zip");
    const truncated = await cli(["download", `${await closeDelimited(zip.subarray(0, zip.length >> 1))}/package.zip`, "--out", cut]);
    expect(truncated.code).toBe(1);
    expect(truncated.stderr).toMatch(/^fno-connector: .*cut\.zip: .*no length.* not a readable zip/m);
    expect(existsSync(cut)).toBe(false);
    expect(existsSync(`${cut}.partial`)).toBe(false);
  });

  it("download to stdout of a package sent without a length writes it and warns that its length could not be verified", async () => {
    const zip = await zipOfSomeKiB();
    const piped = await cli(["download", `${await closeDelimited(zip)}/package.zip`, "--out", "-"]);
    expect(piped.code, piped.stderr).toBe(0);
    expect(Buffer.from(piped.stdout, "latin1").equals(zip)).toBe(true);
    expect(piped.stderr).toMatch(/^fno-connector: warning: .*no length.*could not be verified/m);
  });

  // The one test here that runs its own process: only the real process shows what Node itself would print
  // (a stack trace, an unhandled rejection, a warning) around the CLI's line, and sets the exit status.
  it("a wrong environment URL is one clear line with a hint, no stack trace", async () => {
    // The token endpoint refuses a token for an environment it does not know, as Entra does for a typo.
    const wrong = { ...sim.connection, environmentUrl: "http://127.0.0.1:9" };
    const result = await cliProcess(["dequeue", "--activity", defaultIds.exportActivityId], wrong);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^fno-connector: Dequeue failed: could not get a token: .*HTTP 400.*\. Check the tenant, client ID and secret/);
    expect(result.stderr.trim().split("\n")).toHaveLength(1);
  });
});

describe("npm start's run against the simulator", () => {
  it("moves every package through the connector and the client and verifies each one", async () => {
    const { connector } = compileConnector(path.join(repoRoot, "connector"), placeholderConfig);
    const summary = await runAgainstSimulator({ connector, outDir: tempDir("fno-run-"), exportMessages: 8, throughConnector: 3, importSeconds: 0, packageSeconds: 0 });
    expect(summary.gateway.exported).toHaveLength(3);
    expect(summary.client.sync.stored).toBe(5);
    // 8 from the queue, the package API's export, and the package it imported as F&O read it: each checked by SHA-256.
    expect(summary.verified).toEqual({ packages: 10, mismatches: [] });
    expect(summary.client.imports.map((r) => r.status)).toEqual(["Processed", "ProcessedWithErrors"]);
    expect(summary.packageApi.exported.status).toBe("Succeeded");
    expect(summary.packageApi.imports.map((r) => r.status)).toEqual(["Succeeded", "PartiallySucceeded"]);
    expect(summary.packageApi.imports[1]!.errorFiles).toMatchObject({ problems: [], errorKeys: [{ entity: "Vendors V2" }], stagingErrors: [{ entity: "Vendors V2" }] });
  });
});
