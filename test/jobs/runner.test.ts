import { chmodSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { loadJobsConfig, type AnyJobKind, type JobsConfig } from "../../src/jobs/config.ts";
import type { JobContext } from "../../src/jobs/kind.ts";
import { runJobs, type RunJobsOptions, type RunnerLogLine } from "../../src/jobs/runner.ts";
import { jobDir, stateFileName, type RunnerRecord } from "../../src/jobs/state.ts";
import { FolderLock } from "../../src/workflows/folder-lock.ts";
import { VirtualClock } from "../support/virtual-clock.ts";
import { collectingLog, folderKind, prodSecret, scratch, scriptedKind, testHost, twoEnvironments, writeJobsFile } from "./support.ts";

const start = Date.parse("2026-01-01T00:01:00Z");
const minutes = (n: number) => n * 60_000;
const at = (time: string) => new Date(Date.parse(`2026-01-01T${time}Z`)).toISOString();

let stopAutoAdvance: (() => void) | undefined;
afterEach(() => stopAutoAdvance?.());

/** A jobs file in a fresh folder (with the test environment's secret file beside it), loaded with `kinds`. */
function configFor(kinds: readonly AnyJobKind[], jobs: string, top = ""): JobsConfig {
  const dir = scratch();
  writeFileSync(path.join(dir, "test-secret"), "test-client-secret-value\n");
  return loadJobsConfig(writeJobsFile(dir, twoEnvironments + top + "jobs:\n" + jobs), kinds);
}

/** Runs on a virtual clock that moves by itself whenever the process is idle: no test waits for real time. */
function runOnClock(clock: VirtualClock, options: Omit<RunJobsOptions, "host" | "log" | "clock"> & Partial<RunJobsOptions>) {
  const { lines, log } = collectingLog();
  stopAutoAdvance = clock.autoAdvance();
  const host = testHost();
  const result = runJobs({ host, log, clock, env: { PROD_SECRET: prodSecret }, ...options });
  return { result, lines, host };
}

function record(config: JobsConfig, job: string): RunnerRecord & { state: unknown } {
  const content = JSON.parse(readFileSync(path.join(jobDir(config.stateDir, job), stateFileName), "utf8")) as { runner: RunnerRecord; state: unknown };
  return { ...content.runner, state: content.state };
}

/** A job entry of the scripted kind `kind` on prod. */
const job = (name: string, kind: string, schedule: string, environment = "prod") => `  ${name}:\n    kind: ${kind}\n    environment: ${environment}\n    schedule: "${schedule}"\n`;

describe("the job runner on its schedule", () => {
  it("runs a job at each due time of its cron schedule, and records each run", async () => {
    const clock = new VirtualClock(start);
    const stop = new AbortController();
    const starts: string[] = [];
    const tick = scriptedKind("tick", async (context) => {
      starts.push(new Date(context.now()).toISOString());
      await context.state.update({ runs: context.state.get().runs + 1 });
      if (starts.length === 4) stop.abort();
      return { counts: { ticks: 1 } };
    });
    const config = configFor([tick], job("every-15", "tick", "*/15 * * * *"));
    const { result } = runOnClock(clock, { config, signal: stop.signal });
    expect((await result).exitCode).toBe(0);
    expect(starts).toEqual([at("00:15:00"), at("00:30:00"), at("00:45:00"), at("01:00:00")]);
    const saved = record(config, "every-15");
    expect(saved).toMatchObject({ runs: 4, failuresInARow: 0, skipped: 0, state: { runs: 4 }, lastRun: { trigger: "schedule", result: "ok", counts: { ticks: 1 }, startedAt: at("01:00:00") } });
    expect(saved.nextRun).toBe(at("01:15:00"));
    expect(saved.current).toBeUndefined();
  });

  it("a job whose entry is wrong is reported at the start (file, line, key) and never run; the others run on schedule; the stop exits 1", async () => {
    const clock = new VirtualClock(start);
    const stop = new AbortController();
    const tick = scriptedKind("tick", async () => {
      stop.abort();
      return { counts: {} };
    });
    const config = configFor([tick], job("good", "tick", "*/15 * * * *") + job("bad", "tick", "*/61 * * * *"));
    const { result, lines } = runOnClock(clock, { config, signal: stop.signal });
    const done = await result;
    expect(done.exitCode).toBe(1);
    const reported = lines.findIndex((l) => l.level === "error" && l.job === "bad");
    expect(lines[reported]!.message).toMatch(new RegExp(`^job 'bad' in ${config.file} cannot run \\(the other jobs can\\): ${config.file}:\\d+:\\d+: jobs\\.bad\\.schedule \\(/jobs/bad/schedule\\): '\\*/61 \\* \\* \\* \\*' is not a cron expression`));
    expect(reported).toBeLessThan(lines.findIndex((l) => l.job === "good" && l.message.startsWith("run started")));
    expect(done.outcomes.map((o) => [o.job, o.result])).toEqual([["bad", "not started"], ["good", "ok"]]);
    expect(readdirSync(config.stateDir)).toEqual(["good"]);
  });

  it("a job whose folder is missing is warned of at the start (file, line, key, path) and still scheduled: its run fails, a later one finds the folder, and the stop exits 0", async () => {
    const clock = new VirtualClock(start);
    const stop = new AbortController();
    const folder = path.join(scratch(), "share-not-mounted-yet");
    const config = configFor([folderKind], job("count", "folder-count", "*/15 * * * *") + `    folder: ${folder}\n`);
    const lines: RunnerLogLine[] = [];
    const log = (line: RunnerLogLine) => {
      lines.push(line);
      if (line.message.startsWith("run failed")) mkdirSync(folder); // the share is mounted after the first due time
      if (line.message === "run ended") stop.abort();
    };
    const done = await runOnClock(clock, { config, signal: stop.signal, log }).result;
    expect(done.exitCode).toBe(0);
    const folderLine = readFileSync(config.file, "utf8").split("\n").findIndex((l) => l.includes("folder:")) + 1;
    const warned = lines.findIndex((l) => l.level === "warn" && l.job === "count" && l.environment === "prod");
    expect(lines[warned]?.message).toBe(
      `${config.file}:${folderLine}:5: jobs.count.folder (/jobs/count/folder): the folder ${folder} does not exist; the job still runs, and each run tries the folder again`,
    );
    expect(warned).toBeLessThan(lines.findIndex((l) => l.message.startsWith("run started")));
    expect(done.outcomes.map((o) => [o.job, o.result])).toEqual([["count", "failed"], ["count", "ok"]]);
  });

  it("never overlaps a job with itself: due times that find its run still going are skipped and counted; other jobs run meanwhile", async () => {
    const clock = new VirtualClock(start);
    const stop = new AbortController();
    const slowStarts: string[] = [];
    const quickStarts: string[] = [];
    let running = 0;
    let overlapped = false;
    const slow = scriptedKind("slow", async (context) => {
      running++;
      overlapped ||= running > 1;
      slowStarts.push(new Date(context.now()).toISOString());
      await clock.sleep(minutes(40)); // a run longer than the schedule's interval
      running--;
      if (slowStarts.length === 2) stop.abort();
      return { counts: {} };
    });
    const quick = scriptedKind("quick", async (context) => {
      quickStarts.push(new Date(context.now()).toISOString());
      return { counts: {} };
    });
    const config = configFor([slow, quick], job("slow-job", "slow", "*/15 * * * *") + job("quick-job", "quick", "*/15 * * * *"));
    const { result, lines } = runOnClock(clock, { config, signal: stop.signal });
    const done = await result;
    expect(overlapped).toBe(false);
    // Runs at 00:15 (until 00:55) and 01:00; 00:30 and 00:45 found it running.
    expect(slowStarts).toEqual([at("00:15:00"), at("01:00:00")]);
    expect(quickStarts.slice(0, 4)).toEqual([at("00:15:00"), at("00:30:00"), at("00:45:00"), at("01:00:00")]);
    // 01:15 and 01:30 found the second run going too; a skip is written to the job's record by its next run.
    expect(done.skipped).toBe(4);
    expect(record(config, "slow-job").skipped).toBe(2);
    expect(lines.filter((l) => l.job === "slow-job" && /skipped: the previous run is still going/.test(l.message))).toHaveLength(4);
  });

  it("a failed run (a 429 the transport gave up on) neither stops nor pauses the job, nor the others", async () => {
    const clock = new VirtualClock(start);
    const stop = new AbortController();
    const flaky: string[] = [];
    const steady: string[] = [];
    const flakyKind = scriptedKind("flaky", async (context) => {
      flaky.push(new Date(context.now()).toISOString());
      if (flaky.length <= 2) throw new Error("Enqueue: HTTP 429 Too Many Requests after 8 attempts");
      if (flaky.length === 3) stop.abort();
      return { counts: { uploaded: 1 } };
    });
    const steadyKind = scriptedKind("steady", async (context) => {
      steady.push(new Date(context.now()).toISOString());
      return { counts: {} };
    });
    const config = configFor([flakyKind, steadyKind], job("flaky-job", "flaky", "0 * * * *") + job("steady-job", "steady", "30 * * * *"));
    const { result, lines } = runOnClock(clock, { config, signal: stop.signal });
    expect((await result).exitCode).toBe(0);
    expect(flaky).toEqual([at("01:00:00"), at("02:00:00"), at("03:00:00")]);
    expect(steady).toEqual([at("00:30:00"), at("01:30:00"), at("02:30:00")]);
    const saved = record(config, "flaky-job");
    expect(saved).toMatchObject({ runs: 3, failuresInARow: 0, lastRun: { result: "ok" }, lastError: { at: at("02:00:00"), message: expect.stringContaining("HTTP 429") } });
    expect(lines.filter((l) => l.level === "error" && l.job === "flaky-job").map((l) => l.message)).toEqual([
      `run failed: Enqueue: HTTP 429 Too Many Requests after 8 attempts; the next run is ${at("02:00:00")}`,
      `run failed: Enqueue: HTTP 429 Too Many Requests after 8 attempts; the next run is ${at("03:00:00")}`,
    ]);
  });

  it("runs at most maxConcurrentJobs jobs at once; the others wait for a slot", async () => {
    const clock = new VirtualClock(start);
    let running = 0;
    let most = 0;
    const busy = scriptedKind("busy", async () => {
      running++;
      most = Math.max(most, running);
      await clock.sleep(minutes(1));
      running--;
      return { counts: {} };
    });
    const config = configFor([busy], ["a", "b", "c", "d", "e"].map((name) => job(name, "busy", "0 * * * *")).join(""), "maxConcurrentJobs: 2\n");
    const { result } = runOnClock(clock, { config, once: true });
    const done = await result;
    expect(done.exitCode).toBe(0);
    expect(done.outcomes.map((o) => o.result)).toEqual(["ok", "ok", "ok", "ok", "ok"]);
    expect(most).toBe(2);
    expect(clock.elapsed()).toBe(minutes(3));
  });

  it("after a restart, a job whose due time passed while no runner ran runs once at the start; a job that never ran waits for its first due time", async () => {
    const config = configFor([folderKind], job("hourly", "folder-count", "0 * * * *") + "    folder: .\n" + job("fresh", "folder-count", "0 * * * *") + "    folder: .\n");
    // Each runner is stopped as its run of "hourly" ends (from its log, so the clock cannot move on first).
    const stopAfterRun = (stop: AbortController, lines: RunnerLogLine[]) => (line: RunnerLogLine) => {
      lines.push(line);
      if (line.job === "hourly" && line.message === "run ended") stop.abort();
    };
    const stop = new AbortController();
    await runOnClock(new VirtualClock(Date.parse("2026-01-01T00:59:00Z")), { config, jobs: ["hourly"], signal: stop.signal, log: stopAfterRun(stop, []) }).result;
    stopAutoAdvance?.();
    expect(record(config, "hourly")).toMatchObject({ runs: 1, lastRun: { trigger: "schedule", startedAt: at("01:00:00") } });

    // Down from 01:00 to 03:20: the 02:00 and 03:00 runs were missed; one run makes up for both.
    const restart = new AbortController();
    const lines: RunnerLogLine[] = [];
    await runOnClock(new VirtualClock(Date.parse("2026-01-01T03:20:00Z")), { config, signal: restart.signal, log: stopAfterRun(restart, lines) }).result;
    expect(record(config, "hourly")).toMatchObject({ runs: 2, lastRun: { trigger: "missed", startedAt: at("03:20:00") } });
    expect(lines.some((l) => l.job === "fresh" && l.message === `next run ${at("04:00:00")}`)).toBe(true);
    expect(lines.some((l) => l.job === "fresh" && l.message.startsWith("run started"))).toBe(false);
  });
});

describe("run --once", () => {
  it("exits 0 when every job did all its work", async () => {
    const dir = scratch();
    const config = configFor([folderKind], job("count", "folder-count", "0 * * * *") + `    folder: ${dir}\n`);
    const { result } = runOnClock(new VirtualClock(start), { config, once: true });
    const done = await result;
    expect(done.exitCode).toBe(0);
    expect(done.outcomes).toMatchObject([{ job: "count", result: "ok", summary: { trigger: "once", counts: { files: 0 } } }]);
  });

  it("a job that cannot run (secret variable unset, secret file unreadable, folder unreadable) is reported and the others run; exit 1", async () => {
    const dir = scratch();
    const jobs =
      job("no-secret", "folder-count", "0 * * * *", "dev") + `    folder: ${dir}\n` +
      job("no-secret-file", "folder-count", "0 * * * *", "test") + `    folder: ${dir}\n` +
      job("no-folder", "folder-count", "0 * * * *") + `    folder: ${path.join(dir, "missing")}\n` +
      job("fine", "folder-count", "0 * * * *") + `    folder: ${dir}\n`;
    const dev = "  dev:\n    url: https://contoso-dev.sandbox.operations.dynamics.com\n    tenant: t\n    clientId: c\n    clientSecret: { env: DEV_SECRET }\n";
    const config = configFor([folderKind], jobs, dev);
    writeFileSync(path.join(dir, "a.csv"), "x");
    const testSecret = path.join(path.dirname(config.file), "test-secret");
    chmodSync(testSecret, 0o000);
    const unreadable = (() => {
      try {
        readFileSync(testSecret);
        return false;
      } catch {
        return true;
      }
    })();
    if (!unreadable) writeFileSync(testSecret, ""); // as root, mode 0 still reads: an empty secret file cannot be used either
    const { result, lines } = runOnClock(new VirtualClock(start), { config, once: true });
    const done = await result;
    expect(done.exitCode).toBe(1);
    const byJob = Object.fromEntries(done.outcomes.map((o) => [o.job, o]));
    expect(byJob["no-secret"]).toMatchObject({ result: "failed", error: expect.stringMatching(/environments\.dev\.clientSecret: the environment variable DEV_SECRET is not set/) });
    expect(byJob["no-secret-file"]).toMatchObject({ result: "failed", error: expect.stringMatching(/environments\.test\.clientSecret: the secret file .*test-secret/) });
    expect(byJob["no-folder"]).toMatchObject({ result: "failed", error: expect.stringContaining("ENOENT") });
    expect(byJob.fine).toMatchObject({ result: "ok", summary: { counts: { files: 1 } } });
    expect(lines.filter((l) => l.level === "error").map((l) => l.job).sort()).toEqual(["no-folder", "no-secret", "no-secret-file"]);
    expect(record(config, "no-secret")).toMatchObject({ failuresInARow: 1, lastError: { message: expect.stringContaining("DEV_SECRET is not set") } });
  });

  it("a run that leaves work for the next one exits 1", async () => {
    const partial = scriptedKind("partial", async () => ({ counts: { uploaded: 2 }, unfinished: 1 }));
    const config = configFor([partial], job("p", "partial", "0 * * * *"));
    const done = await runOnClock(new VirtualClock(start), { config, once: true }).result;
    expect(done.exitCode).toBe(1);
    expect(record(config, "p").lastRun).toMatchObject({ result: "unfinished", unfinished: 1, counts: { uploaded: 2 } });
  });

  it("a job another process is running is not started (and not run twice); exit 1", async () => {
    const ran: string[] = [];
    const kind = scriptedKind("k", async (context) => {
      ran.push(context.job);
      return { counts: {} };
    });
    const config = configFor([kind], job("busy", "k", "0 * * * *") + job("free", "k", "0 * * * *"));
    const dir = jobDir(config.stateDir, "busy");
    mkdirSync(dir, { recursive: true });
    const held = await FolderLock.acquire(dir, { what: "job 'busy'", holder: "another runner" });
    try {
      const done = await runOnClock(new VirtualClock(start), { config, once: true }).result;
      expect(done.exitCode).toBe(1);
      expect(ran).toEqual(["free"]);
      expect(done.outcomes.find((o) => o.job === "busy")).toMatchObject({
        result: "not started",
        error: `not started: job 'busy' is in use by another runner (process ${process.pid}); wait for it to finish`,
      });
    } finally {
      held.release();
    }
  });

  it("connects once per environment with the secret it read, and keeps every secret out of the log", async () => {
    const chatty = scriptedKind("chatty", async (context: JobContext<{ runs: number }>) => {
      context.log({ level: "info", message: `signed in with ${prodSecret}`, detail: { echo: `client_secret=${prodSecret}` } });
      return { counts: { lines: 1 } };
    });
    const config = configFor([chatty], job("a", "chatty", "0 * * * *") + job("b", "chatty", "0 * * * *"));
    const { result, lines, host } = runOnClock(new VirtualClock(start), { config, once: true });
    expect((await result).exitCode).toBe(0);
    expect(host.connected.map((e) => [e.name, e.url, e.clientSecret])).toEqual([["prod", "https://contoso.operations.dynamics.com", prodSecret]]);
    const text = JSON.stringify(lines);
    expect(text).not.toContain(prodSecret);
    expect(lines.filter((l) => l.message === "signed in with REDACTED").map((l) => [l.job, l.environment]).sort()).toEqual([["a", "prod"], ["b", "prod"]]);
    expect(lines.find((l) => l.message === "run ended" && l.job === "a")).toMatchObject({ level: "info", environment: "prod", counts: { lines: 1 } });
  });
});
