import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { exitCodeOf } from "../../src/errors/index.ts";
import { loadJobsConfig } from "../../src/jobs/config.ts";
import { runJobs } from "../../src/jobs/runner.ts";
import { jobDir, JobStateFile, StateFileError, stateFileName } from "../../src/jobs/state.ts";
import { jobStatuses } from "../../src/jobs/status.ts";
import { FolderLock } from "../../src/workflows/folder-lock.ts";
import { VirtualClock } from "../support/virtual-clock.ts";
import { collectingLog, folderKind, prodSecret, scratch, testHost, twoEnvironments, writeJobsFile } from "./support.ts";

const initial = () => ({ files: [] as string[] });

describe("a job's state file", () => {
  it("holds each update whole: a temporary file left by a crash mid-write is ignored and removed", async () => {
    const dir = scratch();
    const state = await JobStateFile.open(dir, "j", "k", initial);
    expect(state.get()).toEqual({ files: [] });
    await state.update({ files: ["a.csv"] });
    await state.update({ files: ["a.csv", "b.csv"] });
    const file = path.join(dir, stateFileName);
    // A crash while the next update was written: its temporary file is torn, the state file is the last whole one.
    writeFileSync(`${file}.tmp`, '{"format":1,"job":"j","kind":"k","runner":{},"state":{"files":["a.csv","b.csv","c');
    const reopened = await JobStateFile.open(dir, "j", "k", initial);
    expect(reopened.get()).toEqual({ files: ["a.csv", "b.csv"] });
    expect(existsSync(`${file}.tmp`)).toBe(false);
  });

  it("keeps the runner's record and the kind's state apart, each update keeping the other", async () => {
    const dir = scratch();
    const state = await JobStateFile.open(dir, "j", "k", initial);
    await state.update({ files: ["a.csv"] });
    await state.updateRecord({ ...state.record, runs: 5 });
    const reopened = await JobStateFile.open(dir, "j", "k", initial);
    expect([reopened.get(), reopened.record.runs]).toEqual([{ files: ["a.csv"] }, 5]);
  });

  it.each([
    ["torn (cut off mid-way)", (text: string) => text.slice(0, text.length / 2), /is damaged \(not JSON/],
    ["not a state file", () => "[1, 2, 3]", /is damaged \(not a job state file of format 1\)/],
    ["of another kind", (text: string) => text.replace('"kind": "k"', '"kind": "upload"'), /holds the state of a 'upload' job, but job 'j' is now of kind 'k'/],
    ["of another job", (text: string) => text.replace('"job": "j"', '"job": "other"'), /belongs to job 'other', not 'j'/],
  ])("a state file %s is an error naming the file (exit 2), and is never reset", async (_what, damage, problem) => {
    const dir = scratch();
    const state = await JobStateFile.open(dir, "j", "k", initial);
    await state.update({ files: ["a.csv"] });
    const file = path.join(dir, stateFileName);
    const damaged = damage(readFileSync(file, "utf8"));
    writeFileSync(file, damaged);
    const error = await JobStateFile.open(dir, "j", "k", initial).catch((err: unknown) => err);
    expect(error).toBeInstanceOf(StateFileError);
    expect((error as Error).message).toContain(`state file ${file} `);
    expect((error as Error).message).toMatch(problem);
    expect(exitCodeOf(error)).toBe(2);
    expect(readFileSync(file, "utf8")).toBe(damaged);
  });
});

describe("the runner and a state file", () => {
  const jobs = (folder: string) =>
    `jobs:\n  damaged:\n    kind: folder-count\n    environment: prod\n    schedule: "0 * * * *"\n    folder: ${folder}\n` +
    `  fine:\n    kind: folder-count\n    environment: prod\n    schedule: "0 * * * *"\n    folder: ${folder}\n`;

  it("a damaged state file stops that job only: reported, left as it is, shown by `jobs`; the others run", async () => {
    const dir = scratch();
    const config = loadJobsConfig(writeJobsFile(dir, twoEnvironments + jobs(dir)), [folderKind]);
    const file = path.join(jobDir(config.stateDir, "damaged"), stateFileName);
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, '{"format":1,"job":"damaged","kind":"folder-count","runner":{"runs":3');
    const { lines, log } = collectingLog();
    const done = await runJobs({ config, host: testHost(), log, once: true, clock: new VirtualClock(), env: { PROD_SECRET: prodSecret } });
    expect(done.exitCode).toBe(1);
    expect(done.outcomes.find((o) => o.job === "damaged")).toMatchObject({ result: "not started", error: expect.stringContaining(`state file ${file} is damaged`) });
    expect(done.outcomes.find((o) => o.job === "fine")).toMatchObject({ result: "ok" });
    expect(lines.some((l) => l.level === "error" && l.job === "damaged" && l.message.includes(file))).toBe(true);
    expect(readFileSync(file, "utf8")).toBe('{"format":1,"job":"damaged","kind":"folder-count","runner":{"runs":3');
    const statuses = await jobStatuses(config, Date.now());
    expect(statuses.find((s) => s.job === "damaged")).toMatchObject({ problem: expect.stringContaining(`state file ${file} is damaged`) });
    expect(statuses.find((s) => s.job === "fine")).toMatchObject({ now: "idle", runs: 1, lastRun: { result: "ok" } });
  });

  describe("running or interrupted: decided by the job's lock, not the PID in the record (a restarted container's runner gets the same PID)", () => {
    const startedAt = "2026-01-01T01:00:00.000Z";
    /** The `fine` job's record says a run by `pid` is going on; its lock file holds `lock`, if given. */
    async function midRun(pid: number, lock?: string) {
      const config = loadJobsConfig(writeJobsFile(scratch(), twoEnvironments + jobs(".")), [folderKind]);
      const dir = jobDir(config.stateDir, "fine");
      const state = await JobStateFile.open(dir, "fine", "folder-count", () => ({ runs: 0 }));
      await state.updateRecord({ ...state.record, current: { trigger: "schedule", startedAt, pid } });
      if (lock !== undefined) writeFileSync(path.join(dir, "lock"), lock);
      return { config, dir, now: async () => (await jobStatuses(config, Date.now())).find((s) => s.job === "fine")?.now };
    }
    /** When process `pid` started, as /proc tells (what a lock file records beside the PID). */
    const startOf = (pid: number) => {
      const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
      return stat.slice(stat.lastIndexOf(")") + 2).split(" ")[19]!;
    };

    it("the recorded PID is now this live process's, whose earlier incarnation was killed leaving its lock: interrupted", async () => {
      const { now } = await midRun(process.pid, `${process.pid} 5b7c-killed-incarnation ${startOf(process.pid)}`);
      expect(await now()).toBe("interrupted");
    });

    it("the recorded PID is now another live process's (the lock's start time is not that process's): interrupted", async () => {
      const { now } = await midRun(process.ppid, `${process.ppid} 5b7c-killed-incarnation 1`);
      expect(await now()).toBe("interrupted");
    });

    it("no lock left at all: interrupted, whatever process has the recorded PID now", async () => {
      const { now } = await midRun(process.ppid);
      expect(await now()).toBe("interrupted");
    });

    it("the lock held by a live process, this one or another: running", async () => {
      const held = await midRun(process.pid);
      const lock = await FolderLock.acquire(held.dir, { what: "job 'fine'", holder: "another runner" });
      try {
        expect(await held.now()).toBe("running");
      } finally {
        lock.release();
      }
      expect(await held.now()).toBe("interrupted");
      const { now } = await midRun(process.ppid, `${process.ppid} 9e1d-live-runner ${startOf(process.ppid)}`);
      expect(await now()).toBe("running");
    });
  });

  /** Every file under `dir` with its content and modification time: what a reader must leave as it was. */
  const snapshot = (dir: string) =>
    readdirSync(dir, { recursive: true }).map(String).sort().map((name) => {
      const file = path.join(dir, name);
      const stats = statSync(file);
      return [name, stats.mtimeMs, stats.isFile() ? readFileSync(file, "utf8") : "(folder)"];
    });

  it("`jobs` shows an unrunnable job's last run from the state file its name ties it to, reading it changes nothing, and a damaged one is named", async () => {
    const dir = scratch();
    const file = writeJobsFile(dir, twoEnvironments + jobs(dir));
    const config = loadJobsConfig(file, [folderKind]);
    await runJobs({ config, host: testHost(), log: () => undefined, once: true, clock: new VirtualClock(), env: { PROD_SECRET: prodSecret } });
    // Its entry is now wrong (a typo in its schedule): it no longer runs, but it ran before.
    writeJobsFile(dir, twoEnvironments + jobs(dir).replace('schedule: "0 * * * *"', 'schedule: "61 * * * *"'));
    const edited = loadJobsConfig(file, [folderKind]);
    expect(edited.unrunnable.map((j) => j.name)).toEqual(["damaged"]);
    const before = snapshot(config.stateDir);
    const stateFile = path.join(jobDir(config.stateDir, "damaged"), stateFileName);
    const [shown] = (await jobStatuses(edited, Date.now())).filter((s) => s.job === "damaged");
    expect(shown).toMatchObject({
      now: "not runnable",
      configProblems: [expect.stringContaining("jobs.damaged.schedule (/jobs/damaged/schedule)")],
      stateFile,
      runs: 1,
      lastRun: { trigger: "once", result: "ok", counts: { files: expect.any(Number) } },
    });
    expect(snapshot(config.stateDir)).toEqual(before);
    writeFileSync(stateFile, '{"format":1,"job":"damaged"');
    expect((await jobStatuses(edited, Date.now())).find((s) => s.job === "damaged")).toMatchObject({ now: "not runnable", problem: expect.stringContaining(`state file ${stateFile} is damaged`) });
  });

  it("an unrunnable job whose name cannot be a file name has no state file: nothing outside the state folder is read for it", async () => {
    const dir = scratch();
    const config = loadJobsConfig(writeJobsFile(dir, twoEnvironments + jobs(dir).replace("  damaged:", '  "../escape":')), [folderKind]);
    expect(config.unrunnable.map((j) => j.name)).toEqual(["../escape"]);
    // What the name would point at, were it joined to the state folder: a state file of that job, beside the state folder.
    const outside = await JobStateFile.open(jobDir(config.stateDir, "../escape"), "../escape", "folder-count", () => ({ runs: 0 }));
    await outside.updateRecord({ ...outside.record, runs: 7, lastRun: { trigger: "once", startedAt: "2026-01-01T01:00:00.000Z", endedAt: "2026-01-01T01:00:01.000Z", result: "ok", counts: {}, unfinished: 0 } });
    const shown = (await jobStatuses(config, Date.now())).find((s) => s.job === "../escape");
    expect(shown).toMatchObject({ now: "not runnable" });
    expect(shown).not.toHaveProperty("lastRun");
    expect(shown).not.toHaveProperty("stateFile");
  });

  it("a run cut off by a crash shows as interrupted, and the next run records it so and goes on", async () => {
    const dir = scratch();
    const config = loadJobsConfig(writeJobsFile(dir, twoEnvironments + jobs(dir)), [folderKind]);
    // No process has this PID (Linux PIDs stay below 2^22); an ended child's PID could be reused while the test runs.
    const gone = 2147483646;
    const state = await JobStateFile.open(jobDir(config.stateDir, "fine"), "fine", "folder-count", () => ({ runs: 0 }));
    await state.updateRecord({ ...state.record, current: { trigger: "schedule", startedAt: "2026-01-01T01:00:00.000Z", pid: gone } });
    expect((await jobStatuses(config, Date.now())).find((s) => s.job === "fine")).toMatchObject({ now: "interrupted", runningSince: "2026-01-01T01:00:00.000Z" });
    const done = await runJobs({ config, host: testHost(), log: () => undefined, jobs: ["fine"], once: true, clock: new VirtualClock(), env: { PROD_SECRET: prodSecret } });
    expect(done.exitCode).toBe(0);
    const reopened = await JobStateFile.open(jobDir(config.stateDir, "fine"), "fine", "folder-count", () => ({ runs: 0 }));
    expect(reopened.record).toMatchObject({ runs: 2, failuresInARow: 0, lastError: { message: `the process running it (${gone}) stopped before the run ended` } });
    expect(reopened.record.current).toBeUndefined();
    expect(reopened.get()).toEqual({ runs: 1 });
  });
});
