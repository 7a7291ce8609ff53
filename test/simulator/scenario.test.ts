import { spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { ScenarioError, loadScenario } from "../../src/simulator/index.ts";
import { SpecLoadError, maxLoadedValues } from "../../src/spec/load.ts";
import { repoRoot } from "../support/shared.ts";
import { call, dequeuePath, start, token } from "./support.ts";

const dir = mkdtempSync(path.join(tmpdir(), "fno-simulator-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function write(name: string, text: string): string {
  const file = path.join(dir, name);
  writeFileSync(file, text);
  return file;
}

const exportJob = "{AB31E09F-0000-4000-8000-00000000000A}";
const scenarioYaml = `# A drain with a flaky download and a throttle
seed: 42
activities:
  - id: "${exportJob}"
    direction: export
    messages:
      - { kind: package, dataBytes: 2048, entity: Vendors, count: 3 }
      - { kind: missing-file }
  - id: ab31e09f-0000-4000-8000-00000000000b
    direction: import
visibilityTimeoutSeconds: 120
import:
  outcomes:
    - { entity: Vendors, status: PostProcessingError }
faults:
  tokenLifetimeSeconds: 300
  throttle: { ratePerSecond: 50, burst: 10 }
  rules:
    - { endpoint: download, kind: truncate, afterBytes: 512, rate: 0.1 }
    - { endpoint: "*", kind: latency, ms: 1 }
`;

describe("scenario files", () => {
  it("configure activities, seeded messages and faults from YAML", async () => {
    const options = loadScenario(write("drain.yaml", scenarioYaml));
    const simulator = await start(options);
    expect(simulator.connection.exportActivityIds).toEqual(["ab31e09f-0000-4000-8000-00000000000a"]);
    const messages = simulator.exportMessages(exportJob);
    expect(messages.map((message) => message.size > 2048)).toEqual([true, true, true, false]);
    expect(await (await call(simulator, await token(simulator), dequeuePath(exportJob))).json()).toMatchObject({ IsDownLoadFileExist: true });
  });

  it("refuse messages for an import job", async () => {
    const options = loadScenario(write("import-messages.yaml", `activities:\n  - id: ${"ab31e09f-0000-4000-8000-00000000000b"}\n    direction: import\n    messages: [{ kind: missing-file }]\n`));
    await expect(start({ ...options, port: 0 })).rejects.toThrow("no export activity has the ID 'ab31e09f-0000-4000-8000-00000000000b'");
  });

  it("read the same from JSON", () => {
    const file = write("small.json", JSON.stringify({ seed: 3, faults: { rules: [{ endpoint: "ack", kind: "status", status: 500, times: 2 }] } }));
    expect(loadScenario(file)).toEqual({ seed: 3, faults: { rules: [{ endpoint: "ack", kind: "status", status: 500, times: 2 }] } });
  });

  it.each([
    ["a misspelt key", "seed: 1\nfaults:\n  rulez: []\n", "3:3", "/faults/rulez is not a known property"],
    ["a rate above 1", "faults:\n  rules:\n    - endpoint: dequeue\n      kind: status\n      status: 503\n      rate: 2\n", "6:7", "/faults/rules/0/rate must be <= 1"],
    ["a status fault without status", "faults:\n  rules:\n    - { endpoint: dequeue, kind: status }\n", "3:7", "/faults/rules/0 must have required property 'status'"],
    ["an activity ID that is not a GUID", "activities:\n  - { id: job-1, direction: export }\n", "2:7", '/activities/0/id must match format "guid"'],
    // C5 (issue 9): every number is bounded, so no scenario starts the simulator in a state it cannot leave.
    ["a clock start past year 9999", "clock: { frozen: true, start: 1e300 }\n", "1:24", "/clock/start must be <= 253402300799999"],
    [
      "more messages than one seeding may queue",
      `activities:\n  - id: ${"ab31e09f-0000-4000-8000-00000000000a"}\n    direction: export\n    messages:\n      - { kind: missing-file, count: 6000 }\n      - { kind: missing-file, count: 6000 }\n`,
      "6:31",
      "/activities/0/messages/1/count takes the seeding to more than 10000 messages",
    ],
  ])("report %s with file, line and pointer", (_case, text, at, message) => {
    const file = write("bad.yaml", text);
    expect(() => loadScenario(file)).toThrow(ScenarioError);
    expect(() => loadScenario(file)).toThrow(`${file}:${at}: ${message}`);
  });

  // C2 (issue 9): a 301-byte scenario of nested aliases took 18 s and 1.1 GB.
  it("stop a billion-laughs scenario with an error naming the file and line", () => {
    const names = "abcdefghi";
    const lines = [`a: &a [${Array(9).fill("{ kind: missing-file }").join(", ")}]`];
    for (let i = 1; i < names.length; i++) lines.push(`${names[i]}: &${names[i]} [${Array(9).fill(`*${names[i - 1]}`).join(", ")}]`);
    const file = write("laughs.yaml", `${lines.join("\n")}\nactivities: [{ id: "${exportJob}", direction: export, messages: *i }]\n`);
    const error = (() => {
      try {
        return loadScenario(file);
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(SpecLoadError);
    expect((error as Error).message).toMatch(new RegExp(`^${file.replace(/[.]/g, "\\.")}:\\d+:\\d+: the document expands to more than ${maxLoadedValues} values`));
  });
});

describe("fno-connector simulate", () => {
  it("prints how to connect, serves until SIGINT, then exits 0", async () => {
    const file = write("cli.yaml", scenarioYaml);
    const child = spawn(process.execPath, [path.join(repoRoot, "bin/fno-connector.js"), "simulate", "--scenario", file, "--seed", "9"], {
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child.on("exit", resolve));
    await new Promise<void>((resolve, reject) => {
      child.stdout.on("data", (chunk: Buffer) => {
        stdout += chunk.toString();
        if (stdout.includes("Press Ctrl-C")) resolve();
      });
      child.on("exit", () => reject(new Error(`simulate exited early: ${stderr}`)));
    });
    const url = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(stdout)![1]!;
    expect(stdout).toContain("client secret    simulator-client-secret");
    expect(stdout).toContain("export activity  ab31e09f-0000-4000-8000-00000000000a (4 messages queued)");
    const connection = (await (await fetch(`${url}/_admin/connection`)).json()) as { environmentUrl: string };
    expect(connection.environmentUrl).toBe(url);

    child.kill("SIGINT");
    expect(await exited).toBe(0);
    expect(stdout).toContain("simulator stopped");
  });

  it("exits 2 with the location of a scenario mistake", async () => {
    const file = write("typo.yaml", "seed: 1\nport: -4\n");
    const child = spawn(process.execPath, [path.join(repoRoot, "bin/fno-connector.js"), "simulate", "--scenario", file]);
    let stderr = "";
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    expect(await new Promise((resolve) => child.on("exit", resolve))).toBe(2);
    expect(stderr).toContain(`${file}:2:1: /port must be >= 0`);
  });
});
