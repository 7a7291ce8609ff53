import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { exitCodeOf } from "../../src/errors/index.ts";
import { JobsConfigError, loadJobsConfig, readClientSecret } from "../../src/jobs/config.ts";
import { JobStateFile } from "../../src/jobs/state.ts";
import { runCaptured } from "../cli/support.ts";
import { repoRoot } from "../support/shared.ts";
import { prodSecret, scratch, testKinds, twoEnvironments, writeJobsFile } from "./support.ts";

const goodJob = `jobs:
  count-in:
    kind: folder-count
    environment: prod
    schedule: "*/15 * * * *"
    folder: in
`;

/** The 1-based line of the first line of `text` that contains `part`. */
function lineOf(text: string, part: string): number {
  const index = text.split("\n").findIndex((line) => line.includes(part));
  if (index < 0) throw new Error(`'${part}' is not in the text`);
  return index + 1;
}

/** The error loading `text` throws, with the file it was written to. */
function loadError(text: string): { error: Error; file: string } {
  const file = writeJobsFile(scratch(), text);
  try {
    loadJobsConfig(file, testKinds);
  } catch (error) {
    return { error: error as Error, file };
  }
  throw new Error("the file loaded");
}

/** Asserts that loading `text` fails with exit 1 and a line naming the file, the line holding `linePart`, and the key. */
function expectProblem(text: string, linePart: string, key: string, pointer: string, what: RegExp): string {
  const { error, file } = loadError(text);
  expect(error).toBeInstanceOf(JobsConfigError);
  expect(exitCodeOf(error)).toBe(1);
  const line = error.message.split("\n").find((l) => l.includes(`${key} (${pointer})`));
  expect(line, error.message).toBeDefined();
  expect(line).toContain(`${file}:${lineOf(text, linePart)}:`);
  expect(line).toMatch(what);
  return error.message;
}

describe("jobs.yaml", () => {
  it("loads two environments and a job: state beside the file, the job's own keys for its kind (folder resolved beside the file), secrets named and not read", () => {
    const dir = scratch();
    const config = loadJobsConfig(writeJobsFile(dir, twoEnvironments + goodJob), testKinds);
    expect(config.stateDir).toBe(path.join(dir, ".fno-jobs"));
    expect([...config.environments.keys()]).toEqual(["prod", "test"]);
    expect(config.environments.get("prod")!.clientSecret).toEqual({ env: "PROD_SECRET" });
    expect(config.environments.get("test")!.clientSecret).toEqual({ file: path.join(dir, "test-secret") });
    const [job] = config.jobs;
    expect(job!.settings).toEqual({ folder: path.join(dir, "in") });
    expect(job!.environment.name).toBe("prod");
    expect(job!.schedule.nextAfter(Date.parse("2026-01-01T00:01:00Z"))).toBe(Date.parse("2026-01-01T00:15:00Z"));
    expect(config.log).toEqual({ format: "text", level: "info" });
  });

  it("an unknown job kind names the file, line and key, and lists the kinds", () => {
    const text = twoEnvironments + goodJob.replace("kind: folder-count", "kind: uplaod");
    expectProblem(text, "kind: uplaod", "jobs.count-in.kind", "/jobs/count-in/kind", /'uplaod' is not a job kind; the kinds are: folder-count/);
  });

  it("a bad cron expression, and one that never comes due", () => {
    expectProblem(twoEnvironments + goodJob.replace("*/15 * * * *", "61 * * * *"), "61 * * * *", "jobs.count-in.schedule", "/jobs/count-in/schedule", /not a cron expression.*minute/);
    expectProblem(twoEnvironments + goodJob.replace("*/15 * * * *", "every hour"), "every hour", "jobs.count-in.schedule", "/jobs/count-in/schedule", /not a cron expression/);
    expectProblem(twoEnvironments + goodJob.replace("*/15 * * * *", "0 0 31 2 *"), "0 0 31 2 *", "jobs.count-in.schedule", "/jobs/count-in/schedule", /never comes due/);
  });

  it("a missing secret, and a secret source that is neither a variable nor a file", () => {
    const missing = twoEnvironments.replace("    clientSecret: { env: PROD_SECRET }\n", "") + goodJob;
    expectProblem(missing, "  prod:", "environments.prod.clientSecret", "/environments/prod/clientSecret", /'clientSecret' is missing/);
    const both = twoEnvironments.replace("{ env: PROD_SECRET }", "{ env: PROD_SECRET, file: x }") + goodJob;
    expectProblem(both, "PROD_SECRET", "environments.prod.clientSecret", "/environments/prod/clientSecret", /exactly one of \{ env: VARIABLE \} or \{ file: PATH \}/);
    const vault = twoEnvironments.replace("{ env: PROD_SECRET }", "{ vault: kv }") + goodJob;
    expectProblem(vault, "vault", "environments.prod.clientSecret.vault", "/environments/prod/clientSecret/vault", /'vault' is not a key here; the keys are: env, file/);
  });

  it("a secret written in the file is refused without repeating it", () => {
    const text = twoEnvironments.replace("{ env: PROD_SECRET }", `"${prodSecret}"`) + goodJob;
    const message = expectProblem(text, prodSecret, "environments.prod.clientSecret", "/environments/prod/clientSecret", /never written in the jobs file.*\{ env: VARIABLE \}/);
    expect(message).not.toContain(prodSecret);
  });

  it("a wrong key: at the top, in an environment, among a job's own keys (which lists the runner's and the kind's keys)", () => {
    expectProblem(twoEnvironments + goodJob + "stat: ./state\n", "stat:", "stat", "/stat", /'stat' is not a key here; the keys are: state, log/);
    expectProblem(twoEnvironments.replace("    tenant: 1111", "    tennant: 1111") + goodJob, "tennant", "environments.prod.tennant", "/environments/prod/tennant", /not a key here/);
    expectProblem(twoEnvironments + goodJob.replace("folder: in", "foldr: in"), "foldr", "jobs.count-in.foldr", "/jobs/count-in/foldr", /'foldr' is not a key here; the keys are: kind, environment, schedule, timezone, folder/);
    expectProblem(twoEnvironments + goodJob.replace("folder: in", "folder: 3"), "folder: 3", "jobs.count-in.folder", "/jobs/count-in/folder", /must be string/);
  });

  it("an environment no environment entry defines, a bad time zone, a name that cannot be a file name", () => {
    expectProblem(twoEnvironments + goodJob.replace("environment: prod", "environment: dev"), "environment: dev", "jobs.count-in.environment", "/jobs/count-in/environment", /'dev' is not an environment of this file; they are: prod, test/);
    expectProblem(twoEnvironments + goodJob + "    timezone: Mars/Base\n", "Mars/Base", "jobs.count-in.timezone", "/jobs/count-in/timezone", /not an IANA time zone/);
    expectProblem(twoEnvironments + goodJob.replace("count-in:", "../escape:"), "../escape", "jobs.../escape", "/jobs/..~1escape", /not a usable name/);
  });

  it("lists every problem at once", () => {
    const text = twoEnvironments + goodJob.replace("kind: folder-count", "kind: nope").replace("environment: prod", "environment: dev");
    const { error } = loadError(text);
    expect(error.message.split("\n").filter((l) => l.includes("/jobs/count-in/"))).toHaveLength(2);
  });

  it("a problem with the file as a whole refuses it, even with a job that could run", () => {
    const text = twoEnvironments.replace("    tenant: 1111", "    tennant: 1111") + goodJob + "  bad:\n    kind: nope\n    environment: prod\n    schedule: \"0 * * * *\"\n";
    expectProblem(text, "tennant", "environments.prod.tennant", "/environments/prod/tennant", /not a key here/);
    expect(loadError(text).error.message).toContain("is not a valid jobs file");
  });

  it("a file that cannot be read or parsed exits 2", () => {
    const dir = scratch();
    for (const file of [path.join(dir, "missing.yaml"), dir, writeJobsFile(dir, "environments: [\n")]) {
      let error: unknown;
      try {
        loadJobsConfig(file, testKinds);
      } catch (err) {
        error = err;
      }
      expect(exitCodeOf(error), String(error)).toBe(2);
      expect((error as Error).message).toContain(file);
    }
  });
});

describe("a job whose entry is wrong is unrunnable, and the others load", () => {
  const badJob = `  bad:
    kind: folder-count
    environment: prod
    schedule: "0 * * * *"
    folder: in
`;
  it.each([
    ["an unknown kind", badJob.replace("kind: folder-count", "kind: uplaod"), "uplaod", "jobs.bad.kind (/jobs/bad/kind)", /'uplaod' is not a job kind/],
    ["a bad cron expression", badJob.replace("0 * * * *", "61 * * * *"), "61 * * * *", "jobs.bad.schedule (/jobs/bad/schedule)", /not a cron expression/],
    ["a wrong key among its own", badJob.replace("folder: in", "foldr: in"), "foldr", "jobs.bad.foldr (/jobs/bad/foldr)", /'foldr' is not a key here/],
    ["an unknown environment", badJob.replace("environment: prod", "environment: dev"), "environment: dev", "jobs.bad.environment (/jobs/bad/environment)", /'dev' is not an environment/],
    ["a bad time zone", badJob + "    timezone: Mars/Base\n", "Mars/Base", "jobs.bad.timezone (/jobs/bad/timezone)", /not an IANA time zone/],
    ["a missing schedule", badJob.replace('    schedule: "0 * * * *"\n', ""), "  bad:", "jobs.bad.schedule (/jobs/bad/schedule)", /'schedule' is missing/],
  ])("%s: listed with file, line and key; the good job loads", (_what, bad, linePart, key, what) => {
    const text = twoEnvironments + goodJob + bad;
    const file = writeJobsFile(scratch(), text);
    const config = loadJobsConfig(file, testKinds);
    expect(config.jobs.map((j) => j.name)).toEqual(["count-in"]);
    expect(config.unrunnable.map((j) => j.name)).toEqual(["bad"]);
    const problem = config.unrunnable[0]!.problems.find((p) => p.includes(key));
    expect(problem, config.unrunnable[0]!.problems.join("\n")).toContain(`${file}:${lineOf(text, linePart)}:`);
    expect(problem).toMatch(what);
  });

  it("every job wrong: the file is refused (exit 1), every problem listed", () => {
    const text = twoEnvironments + goodJob.replace("kind: folder-count", "kind: nope") + badJob.replace("0 * * * *", "61 * * * *");
    const message = expectProblem(text, "kind: nope", "jobs.count-in.kind", "/jobs/count-in/kind", /not a job kind/);
    expect(message).toContain("has no job that can run");
    expect(message).toContain("jobs.bad.schedule (/jobs/bad/schedule)");
  });
});

describe("the README's jobs.yaml", () => {
  it("loads with the registered job kinds, as written", () => {
    const readme = readFileSync(path.join(repoRoot, "README.md"), "utf8");
    const section = readme.slice(readme.indexOf("## Unattended jobs"));
    const example = /```yaml\n([\s\S]*?)```/.exec(section)![1]!;
    const config = loadJobsConfig(writeJobsFile(scratch(), example));
    expect(config.jobs.map((j) => `${j.name}: ${j.kind.kind} on ${j.environment.name}`)).toEqual([
      "customers-in: upload on prod",
      "customers-in-monitor: monitor on prod",
      "sales-orders-out: download on prod",
      "vendors-in-uat: upload on uat",
      "vendors-in-uat-monitor: monitor on uat",
    ]);
  });
});

describe("client secrets, read when a job runs", () => {
  const dir = scratch();
  const config = loadJobsConfig(writeJobsFile(dir, twoEnvironments + goodJob), testKinds);
  const prod = config.environments.get("prod")!;
  const test = config.environments.get("test")!;

  it("comes from the variable or the file (trimmed)", () => {
    writeFileSync(path.join(dir, "test-secret"), "file-secret-value\n");
    expect(readClientSecret(prod, { PROD_SECRET: prodSecret })).toBe(prodSecret);
    expect(readClientSecret(test, {})).toBe("file-secret-value");
  });

  it("an unset variable names the variable and where the environment is written (exit 1)", () => {
    let error: unknown;
    try {
      readClientSecret(prod, {});
    } catch (err) {
      error = err;
    }
    expect((error as Error).message).toMatch(new RegExp(`${config.file}:${lineOf(twoEnvironments, "  prod:")}:\\d+: environments\\.prod\\.clientSecret: the environment variable PROD_SECRET is not set`));
    expect(exitCodeOf(error)).toBe(1);
  });

  it("an unreadable secret file names the file (exit 2)", () => {
    const other = loadJobsConfig(writeJobsFile(scratch(), twoEnvironments + goodJob), testKinds).environments.get("test")!;
    let error: unknown;
    try {
      readClientSecret(other, {});
    } catch (err) {
      error = err;
    }
    expect((error as Error).message).toContain("environments.test.clientSecret: the secret file: cannot read");
    expect((error as Error).message).toContain(path.join(path.dirname(other.where.split(":")[0]!), "test-secret"));
    expect(exitCodeOf(error)).toBe(2);
  });
});

describe("fno-connector run and jobs with one job's entry wrong: that job is reported, nothing of it is touched, the others run", () => {
  /** An upload job with a file waiting whose entry has a wrong key, and one with an empty inbox that can run (it sends nothing: no network). */
  function workspace(): { dir: string; file: string; text: string; badInbox: () => string[] } {
    const dir = scratch();
    mkdirSync(path.join(dir, "bad-in"));
    mkdirSync(path.join(dir, "ok-in"));
    writeFileSync(path.join(dir, "bad-in", "customers.csv"), "a,b\n");
    writeFileSync(path.join(dir, "secret"), prodSecret);
    const upload = (name: string, activityKey: string) =>
      `  ${name}:\n    kind: upload\n    environment: local\n    schedule: "0 * * * *"\n    folder: ${name}\n    ${activityKey}: 6c1e0f4d-6b2a-4a7e-9d7e-0d0a3d1c2b11\n`;
    const text =
      "environments:\n  local:\n    url: http://127.0.0.1:9\n    tenant: t\n    clientId: c\n    clientSecret: { file: secret }\n    authorityHost: http://127.0.0.1:9\n" +
      "jobs:\n" + upload("bad-in", "activityid") + upload("ok-in", "activityId");
    const file = writeJobsFile(dir, text);
    return { dir, file, text, badInbox: () => readdirSync(path.join(dir, "bad-in"), { recursive: true }).map(String).sort() };
  }
  const key = "jobs.bad-in.activityid (/jobs/bad-in/activityid)";

  it("run --once runs the other job and exits 1 naming file, line and key", async () => {
    const { dir, file, text, badInbox } = workspace();
    const run = await runCaptured(["run", "--config", file, "--once"]);
    expect(run.code, run.stderr).toBe(1);
    expect(run.stderr).toContain(`${file}:${lineOf(text, "activityid")}:`);
    expect(run.stderr).toContain(key);
    expect(run.stdout).toMatch(/ERROR bad-in@local: job 'bad-in' .* cannot run/);
    expect(run.stdout).toMatch(/ok-in@local: run ended/);
    expect(badInbox()).toEqual(["customers.csv"]);
    expect(readdirSync(path.join(dir, ".fno-jobs"))).toEqual(["ok-in"]);
  });

  it("run --job BAD --now exits 1 with its problem, and creates nothing", async () => {
    const { dir, file, text, badInbox } = workspace();
    const run = await runCaptured(["run", "--config", file, "--job", "bad-in", "--now"]);
    expect(run.code, run.stderr).toBe(1);
    expect(run.stderr).toContain(`${file}:${lineOf(text, "activityid")}:`);
    expect(run.stderr).toContain(key);
    expect(badInbox()).toEqual(["customers.csv"]);
    expect(existsSync(path.join(dir, ".fno-jobs"))).toBe(false);
  });

  it("jobs and jobs --json show it as not runnable with its problem, and exit 1", async () => {
    const { file, text } = workspace();
    const shown = await runCaptured(["jobs", "--config", file]);
    expect(shown.code, shown.stderr).toBe(1);
    expect(shown.stdout).toContain("bad-in: upload on local schedule \"0 * * * *\"\n  NOT RUNNABLE");
    expect(shown.stdout).toContain(`${file}:${lineOf(text, "activityid")}:`);
    expect(shown.stdout).toContain("ok-in: upload on local");
    expect(shown.stderr).toContain("cannot run");
    const json = await runCaptured(["jobs", "--config", file, "--json"]);
    expect(json.code).toBe(1);
    const statuses = JSON.parse(json.stdout) as { job: string; now: string; configProblems?: string[] }[];
    expect(statuses.map((s) => [s.job, s.now])).toEqual([["ok-in", "never run"], ["bad-in", "not runnable"]]);
    expect(statuses[1]!.configProblems).toEqual(expect.arrayContaining([expect.stringContaining(key)]));
  });
});

describe("fno-connector jobs with the entry of a job that ran before now wrong", () => {
  it("shows the job as not runnable with its last run and last error from its state file (exit 1), and leaves the file as it was", async () => {
    const dir = scratch();
    const text = twoEnvironments + goodJob.replace("kind: folder-count", "kind: monitor") + "  bad:\n    kind: folder-count\n    environment: prod\n    schedule: \"0 * * * *\"\n    folder: in\n";
    const file = writeJobsFile(dir, text);
    const stateDir = path.join(dir, ".fno-jobs");
    const state = await JobStateFile.open(path.join(stateDir, "bad"), "bad", "folder-count", () => ({}));
    const lastRun = { trigger: "schedule" as const, startedAt: "2026-01-01T01:00:00.000Z", endedAt: "2026-01-01T01:00:02.000Z", result: "failed" as const, counts: { files: 2 }, unfinished: 0, error: "EACCES" };
    await state.updateRecord({ ...state.record, runs: 3, failuresInARow: 1, lastRun, lastError: { at: lastRun.endedAt, message: "EACCES" } });
    const saved = readFileSync(state.file, "utf8");
    // folder-count is a test kind: to the CLI, which has the registered kinds only, its kind is what is wrong.
    const shown = await runCaptured(["jobs", "--config", file]);
    expect(shown.code, shown.stderr).toBe(1);
    expect(shown.stdout).toContain(
      "bad: folder-count on prod schedule \"0 * * * *\"\n  NOT RUNNABLE (the other jobs run): its entry is wrong:\n" +
        `    ${file}:${lineOf(text, "kind: folder-count")}:5: jobs.bad.kind (/jobs/bad/kind): 'folder-count' is not a job kind`,
    );
    expect(shown.stdout).toContain(`  last run: 2026-01-01T01:00:00.000Z → 2026-01-01T01:00:02.000Z failed (files=2)\n  runs: 3\n  last error: 2026-01-01T01:00:02.000Z: EACCES\n`);
    const json = await runCaptured(["jobs", "--config", file, "--json"]);
    const bad = (JSON.parse(json.stdout) as { job: string }[]).find((s) => s.job === "bad");
    expect(bad).toMatchObject({ now: "not runnable", stateFile: state.file, runs: 3, lastRun, lastError: { message: "EACCES" } });
    expect(readFileSync(state.file, "utf8")).toBe(saved);
    expect(readdirSync(stateDir, { recursive: true }).map(String).sort()).toEqual(["bad", path.join("bad", "state.json")]);
  });
});

describe("a job's folder that is missing or cannot be used: jobs and run's start name it (file, line, key, path), and the job still runs", () => {
  /** Upload jobs (their folder is an inbox: it must exist) and download jobs (theirs is made when missing). */
  function workspace(): { dir: string; file: string; text: string } {
    const dir = scratch();
    mkdirSync(path.join(dir, "in"));
    writeFileSync(path.join(dir, "a-file"), "not a folder\n");
    writeFileSync(path.join(dir, "secret"), prodSecret);
    const upload = (name: string, folder: string) =>
      `  ${name}:\n    kind: upload\n    environment: local\n    schedule: "0 * * * *"\n    folder: ${folder}\n    activityId: 6c1e0f4d-6b2a-4a7e-9d7e-0d0a3d1c2b11\n`;
    const download = (name: string, folder: string) =>
      `  ${name}:\n    kind: download\n    environment: local\n    schedule: "0 * * * *"\n    folder: ${folder}\n    activityId: 0b9f3c3e-1d4c-4f7b-8a51-6d2f0c1e9a22\n`;
    const text =
      "environments:\n  local:\n    url: http://127.0.0.1:9\n    tenant: t\n    clientId: c\n    clientSecret: { file: secret }\n    authorityHost: http://127.0.0.1:9\n" +
      "jobs:\n" + upload("typo-in", "inn") + upload("file-in", "a-file") + upload("ok-in", "in") +
      download("new-out", "in/new-out") + download("blocked-out", "a-file/out");
    return { dir, file: writeJobsFile(dir, text), text };
  }
  const problem = (file: string, text: string, job: string, folderText: string, what: string) =>
    `${file}:${lineOf(text, `folder: ${folderText}`)}:5: jobs.${job}.folder (/jobs/${job}/folder): ${what}`;

  it("jobs lists each under its job and exits 0 (a warning: the job runs, and may find its folder mounted later); a folder a download makes is no problem", async () => {
    const { dir, file, text } = workspace();
    const expected = {
      "typo-in": problem(file, text, "typo-in", "inn", `the folder ${path.join(dir, "inn")} does not exist`),
      "file-in": problem(file, text, "file-in", "a-file", `${path.join(dir, "a-file")} is a file, not a folder`),
      "blocked-out": problem(file, text, "blocked-out", "a-file/out", `the folder ${path.join(dir, "a-file", "out")} cannot be made: ${path.join(dir, "a-file")} is a file, not a folder`),
    };
    const shown = await runCaptured(["jobs", "--config", file]);
    expect(shown.code, shown.stderr).toBe(0);
    for (const [job, line] of Object.entries(expected)) expect(shown.stdout).toMatch(new RegExp(`\n?${job}: [^\n]*\n(  .*\n)*  FOLDER: ${line.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}\n`));
    expect(shown.stdout).not.toMatch(/(ok-in|new-out): [^\n]*\n(  .*\n)*  FOLDER/);
    expect(shown.stderr).toContain("3 job(s) have a folder that cannot be used now (they still run, and each run tries again): typo-in, file-in, blocked-out");
    const json = await runCaptured(["jobs", "--config", file, "--json"]);
    expect(json.code).toBe(0);
    const statuses = JSON.parse(json.stdout) as { job: string; folderProblem?: string }[];
    expect(Object.fromEntries(statuses.filter((s) => s.folderProblem !== undefined).map((s) => [s.job, s.folderProblem]))).toEqual(expected);
    expect(existsSync(path.join(dir, "in", "new-out"))).toBe(false);
  });

  it("run --once warns at its start, then runs every job: a missing folder's run fails (exit 1) and creates nothing, the others run", async () => {
    const { dir, file, text } = workspace();
    const run = await runCaptured(["run", "--config", file, "--once", "--job", "typo-in"]);
    expect(run.code, run.stderr).toBe(1);
    const warning = `WARN  typo-in@local: ${problem(file, text, "typo-in", "inn", `the folder ${path.join(dir, "inn")} does not exist`)}; the job still runs, and each run tries the folder again`;
    expect(run.stdout).toContain(warning);
    expect(run.stdout.indexOf(warning)).toBeLessThan(run.stdout.indexOf("run started"));
    expect(run.stdout).toMatch(/ERROR typo-in@local: run failed: the job's folder .*inn cannot be used/);
    expect(existsSync(path.join(dir, "inn"))).toBe(false);
    const ok = await runCaptured(["run", "--config", file, "--once", "--job", "ok-in"]);
    expect(ok.code, ok.stdout + ok.stderr).toBe(0);
    expect(ok.stdout).not.toContain("WARN");
  });
});

describe("fno-connector run and jobs refuse a bad jobs file (no job can run, or the file as a whole is wrong) before touching anything", () => {
  /** A folder with a file in it and a jobs file beside it; returns what the folder tree holds, to compare after. */
  function workspace(text: string): { dir: string; file: string; snapshot: () => string[] } {
    const dir = scratch();
    mkdirSync(path.join(dir, "in"));
    writeFileSync(path.join(dir, "in", "customers.csv"), "a,b\n");
    const file = writeJobsFile(dir, text);
    return { dir, file, snapshot: () => readdirSync(dir, { recursive: true }).map(String).sort() };
  }

  const unknownKind = goodJob.replace("kind: folder-count", "kind: no-such-kind");
  it.each([
    ["an unknown job kind", twoEnvironments + unknownKind, "kind: no-such-kind", "jobs.count-in.kind (/jobs/count-in/kind)"],
    ["a bad cron expression", twoEnvironments + unknownKind.replace("*/15 * * * *", "*/61 * * * *"), "*/61", "jobs.count-in.schedule (/jobs/count-in/schedule)"],
    ["a literal secret", twoEnvironments.replace("{ env: PROD_SECRET }", `"${prodSecret}"`) + goodJob, prodSecret, "environments.prod.clientSecret (/environments/prod/clientSecret)"],
    ["a wrong key", twoEnvironments + goodJob + "stat: ./state\n", "stat:", "stat (/stat)"],
  ])("%s: exit 1, file, line and key named, nothing created or moved", async (_what, text, linePart, key) => {
    const { dir, file, snapshot } = workspace(text);
    const before = snapshot();
    for (const args of [["run", "--config", file, "--once"], ["run", "--config", file], ["jobs", "--config", file]]) {
      const run = await runCaptured(args);
      expect(run.code, run.stderr).toBe(1);
      expect(run.stderr).toContain(`${file}:${lineOf(text, linePart)}:`);
      expect(run.stderr).toContain(key);
      expect(run.stderr).not.toContain(prodSecret);
    }
    expect(snapshot()).toEqual(before);
    expect(existsSync(path.join(dir, ".fno-jobs"))).toBe(false);
  });

  it("a missing jobs file, and --now without --job, exit 2", async () => {
    const { file } = workspace(twoEnvironments + unknownKind);
    expect((await runCaptured(["run", "--config", path.join(path.dirname(file), "nope.yaml"), "--once"])).code).toBe(2);
    const now = await runCaptured(["run", "--config", file, "--now"]);
    expect([now.code, now.stderr]).toEqual([2, expect.stringContaining("--now runs one job: name it with --job")]);
  });
});
