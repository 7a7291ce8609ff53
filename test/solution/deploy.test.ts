import { spawnSync } from "node:child_process";
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { runCli } from "../../src/cli/program.ts";
import { writeSolution } from "../../src/solution/index.ts";
import { repoRoot } from "../support/shared.ts";
import { compiledConnector, solutionDir, solutionSource } from "./support.ts";

/**
 * A stand-in `pac` on PATH: records its arguments (one per line) in $PAC_ARGS_FILE, prints $PAC_SAY if
 * set and exits with $PAC_EXIT_CODE. The tests check the arguments deploy passes, not pac itself.
 */
function standInPac(dir: string): string {
  const script = path.join(dir, "pac");
  writeFileSync(script, '#!/bin/sh\nprintf "%s\\n" "$@" > "$PAC_ARGS_FILE"\n[ -n "$PAC_SAY" ] && echo "$PAC_SAY"\nexit "${PAC_EXIT_CODE:-0}"\n');
  chmodSync(script, 0o755);
  return script;
}

describe.skipIf(process.platform === "win32")("fno-connector deploy", () => {
  const work = mkdtempSync(path.join(tmpdir(), "fno-deploy-"));
  const dist = path.join(work, "dist");
  const bin = path.join(work, "bin");
  const argsFile = path.join(work, "pac-args.txt");
  const savedEnv = { PATH: process.env.PATH, PAC_ARGS_FILE: process.env.PAC_ARGS_FILE, PAC_EXIT_CODE: process.env.PAC_EXIT_CODE };
  const zip = path.join(dist, "solution", "FnoRecurringIntegrations_1_0_0_0.zip");

  beforeAll(async () => {
    const connector = compiledConnector();
    mkdirSync(path.join(dist, "connector"), { recursive: true });
    for (const [name, bytes] of connector.files) writeFileSync(path.join(dist, "connector", name), bytes);
    await writeSolution(connector, solutionSource(), path.join(dist, "solution"), { withSampleFlow: true });
    mkdirSync(bin);
    standInPac(bin);
  });
  afterEach(() => {
    Object.assign(process.env, savedEnv);
    for (const [key, value] of Object.entries(savedEnv)) if (value === undefined) delete process.env[key];
    vi.restoreAllMocks();
  });

  const deploy = async (...args: string[]): Promise<{ code: number; stdout: string; stderr: string; pacArgs: string[] | undefined }> => {
    process.env.PATH = `${bin}${path.delimiter}${savedEnv.PATH ?? ""}`;
    process.env.PAC_ARGS_FILE = argsFile;
    writeFileSync(argsFile, "");
    const stdout = vi.spyOn(process.stdout, "write").mockImplementation(() => true);
    const stderr = vi.spyOn(process.stderr, "write").mockImplementation(() => true);
    const code = await runCli(["deploy", "--dist", dist, "--solution-dir", solutionDir, ...args]);
    const recorded = readFileSync(argsFile, "utf8");
    return {
      code,
      stdout: stdout.mock.calls.join(""),
      stderr: stderr.mock.calls.join(""),
      pacArgs: recorded === "" ? undefined : recorded.trimEnd().split("\n"),
    };
  };

  it("imports the unmanaged solution zip by default, showing the command first", async () => {
    const run = await deploy("--environment", "https://contoso.crm.dynamics.com");
    expect(run.code).toBe(0);
    expect(run.pacArgs).toEqual(["solution", "import", "--path", zip, "--environment", "https://contoso.crm.dynamics.com"]);
    expect(run.stdout).toContain(`$ pac solution import --path ${zip} --environment https://contoso.crm.dynamics.com`);
  });

  it("picks the managed sample-flow package and passes a settings file", async () => {
    const run = await deploy("--solution", "--managed", "--sample-flow", "--settings-file", "settings.json");
    expect(run.pacArgs).toEqual([
      "solution",
      "import",
      "--path",
      path.join(dist, "solution", "FnoRecurringIntegrationsSampleFlow_1_0_0_0_managed.zip"),
      "--settings-file",
      "settings.json",
    ]);
  });

  it("creates the connector inside the solution, or updates it by ID", async () => {
    const files = ["--api-definition-file", "apiDefinition.swagger.json", "--api-properties-file", "apiProperties.json", "--icon-file", "icon.png"];
    const withDir = (args: string[]) => args.map((a) => (a.includes(".") ? path.join(dist, "connector", a) : a));
    const create = await deploy("--connector");
    expect(create.pacArgs).toEqual(["connector", "create", ...withDir(files), "--solution-unique-name", "FnoRecurringIntegrations"]);
    const id = "4e61bbcd-e460-4805-a99f-2f71fe621ee8";
    const update = await deploy("--connector", "--connector-id", id, "--environment", "https://contoso.crm.dynamics.com");
    expect(update.pacArgs).toEqual([
      "connector",
      "update",
      "--connector-id",
      id,
      ...withDir(files),
      "--solution-unique-name",
      "FnoRecurringIntegrations",
      "--environment",
      "https://contoso.crm.dynamics.com",
    ]);
  });

  it("exits 1 when pac fails", async () => {
    process.env.PAC_EXIT_CODE = "3";
    const run = await deploy();
    expect(run.code).toBe(1);
    expect(run.stderr).toContain("pac exited with code 3");
  });

  it("refuses --solution with --connector, and a connector ID that is not a GUID, without running pac", async () => {
    expect((await deploy("--solution", "--connector")).pacArgs).toBeUndefined();
    const bad = await deploy("--connector", "--connector-id", "latest");
    expect(bad.code).toBe(2);
    expect(bad.pacArgs).toBeUndefined();
  });

  it("without pac, says how to install it and how to import in the maker portal", async () => {
    process.env.PATH = path.join(work, "empty");
    const stderr = vi.spyOn(process.stderr, "write").mockImplementation(() => true);
    const code = await runCli(["deploy", "--dist", dist, "--solution-dir", solutionDir]);
    expect(code).toBe(1);
    const message = stderr.mock.calls.join("");
    expect(message).toContain("dotnet tool install --global Microsoft.PowerApps.CLI.Tool");
    expect(message).toContain("make.powerapps.com");
    expect(message).toContain(zip);
  });

  it("shows pac's own output (end to end, through the bin script)", () => {
    const result = spawnSync(process.execPath, [path.join(repoRoot, "bin", "fno-connector.js"), "deploy", "--dist", dist, "--solution-dir", solutionDir], {
      cwd: repoRoot,
      env: { ...process.env, PATH: `${bin}${path.delimiter}${savedEnv.PATH ?? ""}`, PAC_ARGS_FILE: argsFile, PAC_SAY: "stand-in pac: done" },
      encoding: "utf8",
    });
    expect(result.status).toBe(0);
    expect(result.stdout).toContain(`$ pac solution import --path ${zip}`);
    expect(result.stdout).toContain("stand-in pac: done");
    expect(existsSync(argsFile)).toBe(true);
  });
});
