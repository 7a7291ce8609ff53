import { spawnSync } from "node:child_process";
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { runCli } from "../../src/cli/program.ts";
import { placeholderConfig } from "../../src/compile/config.ts";
import { compileConnector } from "../../src/compile/index.ts";
import { writeSolution } from "../../src/solution/index.ts";
import { repoRoot } from "../support/shared.ts";
import { compiledConnector, solutionDir, solutionSource } from "./support.ts";

/**
 * A stand-in `pac` on PATH: appends its arguments (one per line, then a line "<end>") to $PAC_ARGS_FILE, prints
 * $PAC_SAY if set and exits with $PAC_EXIT_CODE. The tests check the arguments deploy passes, not pac itself.
 */
function standInPac(dir: string): string {
  const script = path.join(dir, "pac");
  writeFileSync(script, '#!/bin/sh\nprintf "%s\\n" "$@" "<end>" >> "$PAC_ARGS_FILE"\n[ -n "$PAC_SAY" ] && echo "$PAC_SAY"\nexit "${PAC_EXIT_CODE:-0}"\n');
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
  const flowsZip = path.join(dist, "solution", "FnoRecurringIntegrationsFlows_1_0_0_0.zip");

  beforeAll(async () => {
    const connector = compiledConnector();
    mkdirSync(path.join(dist, "connector"), { recursive: true });
    for (const [name, bytes] of connector.files) writeFileSync(path.join(dist, "connector", name), bytes);
    await writeSolution(connector, solutionSource(), path.join(dist, "solution"));
    mkdirSync(bin);
    standInPac(bin);
  });
  afterEach(() => {
    Object.assign(process.env, savedEnv);
    for (const [key, value] of Object.entries(savedEnv)) if (value === undefined) delete process.env[key];
    vi.restoreAllMocks();
  });

  const deploy = async (...args: string[]): Promise<{ code: number; stdout: string; stderr: string; pacArgs: string[][] | undefined }> => {
    process.env.PATH = `${bin}${path.delimiter}${savedEnv.PATH ?? ""}`;
    process.env.PAC_ARGS_FILE = argsFile;
    writeFileSync(argsFile, "");
    const stdout = vi.spyOn(process.stdout, "write").mockImplementation(() => true);
    const stderr = vi.spyOn(process.stderr, "write").mockImplementation(() => true);
    const code = await runCli(["deploy", "--dist", args.includes("--dist") ? args[args.indexOf("--dist") + 1]! : dist, "--solution-dir", solutionDir, ...args.filter((a, i) => a !== "--dist" && args[i - 1] !== "--dist")]);
    const recorded = readFileSync(argsFile, "utf8");
    return {
      code,
      stdout: stdout.mock.calls.join(""),
      stderr: stderr.mock.calls.join(""),
      pacArgs: recorded === "" ? undefined : recorded.trimEnd().split("\n<end>").map((call) => call.split("\n").filter((a) => a !== "" && a !== "<end>")).filter((call) => call.length > 0),
    };
  };

  it("imports the connector solution, then the flows solution, showing each command first", async () => {
    const run = await deploy("--environment", "https://contoso.crm.dynamics.com");
    expect(run.code).toBe(0);
    expect(run.pacArgs).toEqual([
      ["solution", "import", "--path", zip, "--environment", "https://contoso.crm.dynamics.com"],
      ["solution", "import", "--path", flowsZip, "--environment", "https://contoso.crm.dynamics.com"],
    ]);
    expect(run.stdout.indexOf(`$ pac solution import --path ${zip}`)).toBeLessThan(run.stdout.indexOf(`$ pac solution import --path ${flowsZip}`));
  });

  it("picks the managed packages, and passes a settings file to the flows solution only", async () => {
    const run = await deploy("--solution", "--managed", "--settings-file", "settings.json");
    expect(run.pacArgs).toEqual([
      ["solution", "import", "--path", path.join(dist, "solution", "FnoRecurringIntegrations_1_0_0_0_managed.zip")],
      ["solution", "import", "--path", path.join(dist, "solution", "FnoRecurringIntegrationsFlows_1_0_0_0_managed.zip"), "--settings-file", "settings.json"],
    ]);
    const flowsOnly = await deploy("--only", "flows");
    expect(flowsOnly.pacArgs).toEqual([["solution", "import", "--path", flowsZip]]);
    const bad = await deploy("--only", "everything");
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--only "everything": expected connector or flows');
  });

  it("stops after a failed import: the flows solution is not imported without its connector", async () => {
    process.env.PAC_EXIT_CODE = "3";
    const run = await deploy();
    expect(run.code).toBe(1);
    expect(run.pacArgs).toHaveLength(1);
    expect(run.stderr).toContain("pac exited with code 3; the solutions after it were not imported");
  });

  it("refuses a build whose sign-in values are placeholders, before running pac, and says how to set them", async () => {
    const unconfigured = path.join(work, "unconfigured");
    const connector = compileConnector(path.join(repoRoot, "connector"), placeholderConfig).connector;
    mkdirSync(path.join(unconfigured, "connector"), { recursive: true });
    for (const [name, bytes] of connector.files) writeFileSync(path.join(unconfigured, "connector", name), bytes);
    await writeSolution(connector, solutionSource(), path.join(unconfigured, "solution"));
    for (const mode of [[], ["--connector"]]) {
      const run = await deploy("--dist", unconfigured, ...mode);
      expect(run.code, mode.join()).toBe(1);
      expect(run.pacArgs, mode.join()).toBeUndefined();
      expect(run.stderr).toContain("placeholder client ID and resource URL");
      expect(run.stderr).toContain("FNO_CONNECTOR_CLIENT_ID=");
      expect(run.stderr).toContain("FNO_CONNECTOR_RESOURCE_URI=");
    }
    // Without pac the portal steps are an import command too: refused the same way.
    process.env.PATH = path.join(work, "empty");
    const stderr = vi.spyOn(process.stderr, "write").mockImplementation(() => true);
    expect(await runCli(["deploy", "--dist", unconfigured, "--solution-dir", solutionDir])).toBe(1);
    expect(stderr.mock.calls.join("")).not.toContain("make.powerapps.com");
  });

  it("creates the connector inside the solution, or updates it by ID", async () => {
    const files = ["--api-definition-file", "apiDefinition.swagger.json", "--api-properties-file", "apiProperties.json", "--icon-file", "icon.png"];
    const withDir = (args: string[]) => args.map((a) => (a.includes(".") ? path.join(dist, "connector", a) : a));
    const create = await deploy("--connector");
    expect(create.pacArgs).toEqual([["connector", "create", ...withDir(files), "--solution-unique-name", "FnoRecurringIntegrations"]]);
    const id = "4e61bbcd-e460-4805-a99f-2f71fe621ee8";
    const update = await deploy("--connector", "--connector-id", id, "--environment", "https://contoso.crm.dynamics.com");
    expect(update.pacArgs?.[0]).toEqual([
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
    expect(message.indexOf(zip)).toBeLessThan(message.indexOf(flowsZip));
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
