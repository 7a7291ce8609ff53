import { spawn } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { createInterface } from "node:readline";
import { describe, expect, it } from "vitest";
import { prodSecret, scratch, twoEnvironments, writeJobsFile } from "./support.ts";

const cli = path.join(import.meta.dirname, "cli-with-test-kinds.ts");

interface Child {
  /** Resolves with the first stdout line (a JSON log line) that matches. */
  line(match: (line: Record<string, unknown>) => boolean): Promise<Record<string, unknown>>;
  stderr(): string;
  stdout(): string;
  exit: Promise<number | null>;
  kill(signal: NodeJS.Signals): void;
}

/** `fno-connector …args` with the test kinds, in its own process. */
function start(args: string[]): Child {
  const child = spawn(process.execPath, ["--import", "tsx", cli, ...args], { env: { ...process.env, PROD_SECRET: prodSecret }, stdio: "pipe" });
  let stderr = "";
  let stdout = "";
  child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  const waiting: { match: (line: Record<string, unknown>) => boolean; resolve: (line: Record<string, unknown>) => void }[] = [];
  createInterface({ input: child.stdout }).on("line", (text) => {
    stdout += text + "\n";
    let line: Record<string, unknown>;
    try {
      line = JSON.parse(text) as Record<string, unknown>;
    } catch {
      return;
    }
    for (const w of waiting.filter((w) => w.match(line))) {
      waiting.splice(waiting.indexOf(w), 1);
      w.resolve(line);
    }
  });
  const exit = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
  return {
    line: (match) => new Promise((resolve) => waiting.push({ match, resolve })),
    stderr: () => stderr,
    stdout: () => stdout,
    exit,
    kill: (signal) => child.kill(signal),
  };
}

/** A jobs file with one job of `kind`, due every second. */
function jobsFile(kind: string, top = ""): { file: string; stateFile: string } {
  const dir = scratch();
  const file = writeJobsFile(dir, `${twoEnvironments}${top}jobs:\n  ${kind}-job:\n    kind: ${kind}\n    environment: prod\n    schedule: "* * * * * *"\n`);
  return { file, stateFile: path.join(dir, ".fno-jobs", `${kind}-job`, "state.json") };
}

const stateOf = (file: string) => JSON.parse(readFileSync(file, "utf8")) as { runner: Record<string, unknown>; state: { runs: number } };

describe("run: stopping on SIGTERM and SIGINT", { timeout: 30_000 }, () => {
  it.each(["SIGTERM", "SIGINT"] as const)("%s: stops scheduling, lets the running step finish, records it, exits 0", async (signal) => {
    const { file, stateFile } = jobsFile("step");
    const child = start(["run", "--config", file, "--log", "json"]);
    await child.line((l) => l.message === "step started");
    child.kill(signal);
    expect(await child.exit, child.stderr()).toBe(0);
    expect(child.stderr()).toContain(`${signal}: stopping`);
    expect(child.stdout()).toContain('"message":"runner stopped"');
    const saved = stateOf(stateFile);
    expect(saved.state).toEqual({ runs: 1 });
    expect(saved.runner).toMatchObject({ runs: 1, lastRun: { result: "unfinished", counts: { steps: 1 }, unfinished: 1 } });
    expect(saved.runner.current).toBeUndefined();
    expect(child.stdout()).not.toContain(prodSecret);

    const jobs = start(["jobs", "--config", file, "--json"]);
    expect(await jobs.exit, jobs.stderr()).toBe(0);
    expect(JSON.parse(jobs.stdout())).toMatchObject([{ job: "step-job", kind: "step", environment: "prod", now: "idle", runs: 1, lastRun: { result: "unfinished" } }]);
  });

  it("a second signal exits at once; the cut-off run shows as interrupted", async () => {
    const { file, stateFile } = jobsFile("stubborn");
    const child = start(["run", "--config", file, "--log", "json"]);
    await child.line((l) => l.message === "stubborn started");
    child.kill("SIGTERM");
    await child.line((l) => typeof l.message === "string" && l.message.startsWith("stopping: waiting up to 30 s"));
    child.kill("SIGTERM");
    expect(await child.exit).toBe(1);
    expect(child.stderr()).toContain("SIGTERM again: exiting now");
    expect(stateOf(stateFile).runner.current).toMatchObject({ trigger: "schedule" });
    const jobs = start(["jobs", "--config", file]);
    expect(await jobs.exit, jobs.stderr()).toBe(0);
    expect(jobs.stdout()).toContain("interrupted: the run started");
  });

  it("a job that ignores the stop is abandoned after shutdownGraceSeconds: exit 1", async () => {
    const { file } = jobsFile("stubborn", "shutdownGraceSeconds: 1\n");
    const child = start(["run", "--config", file, "--log", "json"]);
    await child.line((l) => l.message === "stubborn started");
    child.kill("SIGTERM");
    expect(await child.exit).toBe(1);
    expect(child.stdout()).toContain('"message":"runner stopped, abandoning stubborn-job"');
    expect(child.stderr()).toContain("stubborn-job: still running when the shutdown grace ran out");
  });
});

describe("run with a usable jobs file", { timeout: 30_000 }, () => {
  it("--job naming no job, and a state folder that is a file, exit 2 before anything runs", async () => {
    const { file } = jobsFile("step");
    const unknown = start(["run", "--config", file, "--job", "nope", "--now"]);
    expect(await unknown.exit).toBe(2);
    expect(unknown.stderr()).toContain("--job nope: ");
    const dir = path.dirname(file);
    writeFileSync(path.join(dir, "state-file"), "");
    writeFileSync(file, readFileSync(file, "utf8") + "state: state-file\n");
    const blocked = start(["run", "--config", file, "--once"]);
    expect(await blocked.exit).toBe(2);
    expect(blocked.stderr()).toContain("state-file is a file, not a folder");
  });
});
