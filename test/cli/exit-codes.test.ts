/**
 * The README's exit-code contract, command by command: 2 when the input could not be read, 1 when it was
 * read but is wrong or a remote call failed, 0 when done. Every registered command must appear in the table,
 * so a new command cannot skip the contract.
 */
import { cpSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { commandModules } from "../../src/cli/commands/index.ts";
import { placeholderConfig } from "../../src/compile/config.ts";
import { compileConnector } from "../../src/compile/index.ts";
import { startSimulator, type Simulator } from "../../src/simulator/index.ts";
import { readSolutionSource, writeSolution } from "../../src/solution/index.ts";
import { writeZip } from "../../src/zip/index.ts";
import { repoRoot } from "../support/shared.ts";
import { runCaptured, tempDir } from "./support.ts";

const work = tempDir("fno-exit-");
const missing = path.join(work, "no-such-thing");
let sim: Simulator;
/** Flags for the simulator's environment with a client secret it refuses: the token request fails with 401. */
let refusedSecret: string[];
let badConnector: string;
let renamedConnector: string;
let badPrefixSolution: string;
let unconfiguredDist: string;
let brokenZip: string;
let message: string;
let dataPackage: string;

beforeAll(async () => {
  sim = await startSimulator();
  const c = sim.connection;
  refusedSecret = ["--url", c.environmentUrl, "--tenant", c.tenantId, "--client-id", c.clientId, "--authority-host", c.authorityHost, "--client-secret", "not-the-secret"];
  // A connector source with a validation error: an operation without a summary.
  badConnector = path.join(work, "bad-connector");
  cpSync(path.join(repoRoot, "connector"), badConnector, { recursive: true });
  const definition = path.join(badConnector, "apiDefinition.yaml");
  writeFileSync(definition, readFileSync(definition, "utf8").replace("summary: Dequeue the next exported package", "summary: ''"));
  renamedConnector = path.join(work, "renamed-connector");
  cpSync(path.join(repoRoot, "connector"), renamedConnector, { recursive: true });
  const renamed = path.join(renamedConnector, "apiDefinition.yaml");
  writeFileSync(renamed, readFileSync(renamed, "utf8").replace("operationId: Dequeue\n", "operationId: DequeueNext\n"));
  badPrefixSolution = path.join(work, "bad-prefix-solution");
  cpSync(path.join(repoRoot, "solution"), badPrefixSolution, { recursive: true });
  const solutionXml = path.join(badPrefixSolution, "Other", "Solution.xml");
  writeFileSync(solutionXml, readFileSync(solutionXml, "utf8").replace("<CustomizationPrefix>fnori</CustomizationPrefix>", "<CustomizationPrefix>Fn-O</CustomizationPrefix>"));
  // A build whose sign-in values are placeholders: deploy must refuse it.
  unconfiguredDist = path.join(work, "dist");
  const { connector } = compileConnector(path.join(repoRoot, "connector"), placeholderConfig);
  mkdirSync(path.join(unconfiguredDist, "connector"), { recursive: true });
  for (const [name, bytes] of connector.files) writeFileSync(path.join(unconfiguredDist, "connector", name), bytes);
  await writeSolution(connector, readSolutionSource(path.join(repoRoot, "solution")), path.join(unconfiguredDist, "solution"));
  brokenZip = path.join(work, "broken.zip");
  writeFileSync(brokenZip, "not a zip");
  notASolutionZip = path.join(work, "not-a-solution.zip");
  writeFileSync(notASolutionZip, await writeZip(new Map([["readme.txt", Buffer.from("hello")]])));
  dataPackage = path.join(work, "package.zip");
  writeFileSync(dataPackage, await writeZip(new Map([["Manifest.xml", Buffer.from("<DataManagementPackageManifest><PackageEntityList><DataManagementPackageEntityData><EntityName>Customer groups</EntityName></DataManagementPackageEntityData></PackageEntityList></DataManagementPackageManifest>")]])));
  message = path.join(work, "message.json");
  writeFileSync(message, JSON.stringify({ CorrelationId: "c", PopReceipt: "p", DownloadLocation: `${c.environmentUrl}/api/connector/download/x?blob=b` }));
});
afterAll(() => sim.close());

type Case = [what: string, args: () => string[]];

/** Per command: input that cannot be read (2), input that is wrong or a failed remote call (1). */
const contract: Record<string, { unreadable: Case[]; failed: Case[] }> = {
  build: {
    unreadable: [["a missing source folder", () => ["build", "--source", missing, "--out", path.join(work, "o1"), "--no-solution"]]],
    failed: [["a source with a validation error", () => ["build", "--source", badConnector, "--out", path.join(work, "o2"), "--no-solution"]]],
  },
  types: {
    unreadable: [["a missing source folder", () => ["types", "--source", missing, "--check"]]],
    failed: [["a stale generated file", () => ["types", "--check", "--out", path.join(work, "stale.ts")]]],
  },
  validate: {
    unreadable: [["a missing folder", () => ["validate", missing]]],
    failed: [["a connector with an error", () => ["validate", badConnector]]],
  },
  diff: {
    unreadable: [["a missing folder", () => ["diff", missing, missing]]],
    failed: [["a breaking change (an operation renamed)", () => ["diff", path.join(repoRoot, "connector"), renamedConnector]]],
  },
  pack: {
    unreadable: [["a missing connector package", () => ["pack", "--connector", missing, "--out", path.join(work, "p1")]]],
    failed: [["a solution source that does not match the connector", () => ["pack", "--connector", path.join(unconfiguredDist, "connector"), "--solution", badSolution(), "--out", path.join(work, "p2")]]],
  },
  unpack: {
    unreadable: [["a file that is not a zip", () => ["unpack", brokenZip, path.join(work, "u1")]]],
    failed: [["a zip that is not a solution", () => ["unpack", notASolution(), path.join(work, "u2")]]],
  },
  deploy: {
    unreadable: [["a missing build output", () => ["deploy", "--dist", missing, "--environment", "https://contoso.crm.dynamics.com"]]],
    failed: [["a build with placeholder sign-in values", () => ["deploy", "--dist", unconfiguredDist, "--environment", "https://contoso.crm.dynamics.com"]]],
  },
  setup: {
    unreadable: [["a missing solution folder", () => ["setup", "--solution", missing]]],
    failed: [["a solution source with an invalid publisher prefix", () => ["setup", "--solution", badPrefixSolution]]],
  },
  settings: {
    unreadable: [["a missing solution folder", () => ["settings", "--solution", missing]]],
    failed: [["a solution source that does not match the connector", () => ["settings", "--solution", badSolution()]]],
  },
  invoke: {
    unreadable: [["a missing package", () => ["invoke", "Dequeue", "--package", missing]]],
    failed: [["a call the environment refuses (401)", () => ["invoke", "Dequeue", "--package", path.join(unconfiguredDist, "connector"), "--param", "activityId=x", "--connection", "token=not-a-token", "--connection", `token:resourceUri=${sim.connection.environmentUrl}`]]],
  },
  sync: {
    unreadable: [["--out naming a file", () => ["sync", "--activity", "x", "--out", brokenZip, ...refusedSecret]]],
    failed: [["a token request the environment refuses", () => ["sync", "--activity", "x", "--out", path.join(work, "s1"), ...refusedSecret]]],
  },
  dequeue: {
    unreadable: [["an https-only URL given as ftp", () => ["dequeue", "--activity", "x", ...refusedSecret.map((a) => (a === sim.connection.environmentUrl ? "ftp://x" : a))]]],
    failed: [["a token request the environment refuses", () => ["dequeue", "--activity", "x", ...refusedSecret]]],
  },
  download: {
    unreadable: [["a location that is not a URL", () => ["download", "not-a-url", "--out", path.join(work, "d1.zip"), ...refusedSecret]]],
    failed: [["a token request the environment refuses", () => ["download", `${sim.connection.environmentUrl}/api/connector/download/x?blob=b`, "--out", path.join(work, "d2.zip"), ...refusedSecret]]],
  },
  ack: {
    unreadable: [["a missing message file", () => ["ack", "--activity", "x", "--message", missing, ...refusedSecret]]],
    failed: [["a token request the environment refuses", () => ["ack", "--activity", "x", "--message", message, ...refusedSecret]]],
  },
  status: {
    unreadable: [["an https-only URL given as ftp", () => ["status", "m", ...refusedSecret.map((a) => (a === sim.connection.environmentUrl ? "ftp://x" : a))]]],
    failed: [["a token request the environment refuses", () => ["status", "m", ...refusedSecret]]],
  },
  enqueue: {
    unreadable: [["a missing file", () => ["enqueue", missing, "--activity", "x", ...refusedSecret]]],
    failed: [["a token request the environment refuses", () => ["enqueue", message, "--activity", "x", ...refusedSecret]]],
  },
  "export-package": {
    unreadable: [["--out naming a file", () => ["export-package", "--definition-group", "G", "--out", brokenZip, ...refusedSecret]]],
    failed: [["a token request the environment refuses", () => ["export-package", "--definition-group", "G", "--out", path.join(work, "e1"), ...refusedSecret]]],
  },
  "import-package": {
    unreadable: [["a missing file", () => ["import-package", missing, "--definition-group", "G", ...refusedSecret]]],
    failed: [["a token request the environment refuses", () => ["import-package", dataPackage, "--definition-group", "G", ...refusedSecret]]],
  },
  run: {
    unreadable: [["a missing jobs file", () => ["run", "--config", missing, "--once"]]],
    failed: [["a jobs file naming an unknown job kind", () => ["run", "--config", badJobsFile(), "--once"]]],
  },
  jobs: {
    unreadable: [["a missing jobs file", () => ["jobs", "--config", missing]]],
    failed: [["a jobs file naming an unknown job kind", () => ["jobs", "--config", badJobsFile()]]],
  },
  simulate: {
    unreadable: [["a missing scenario file", () => ["simulate", "--scenario", missing]]],
    failed: [],
  },
  demo: {
    unreadable: [["a missing package", () => ["demo", "--package", missing, "--out", path.join(work, "demo")]]],
    failed: [],
  },
};

let badSolutionDir: string | undefined;
/** The solution source with a schema name the connector's title does not give. */
function badSolution(): string {
  if (badSolutionDir) return badSolutionDir;
  badSolutionDir = path.join(work, "bad-solution");
  cpSync(path.join(repoRoot, "solution"), badSolutionDir, { recursive: true });
  const file = path.join(badSolutionDir, "Other", "Solution.xml");
  writeFileSync(file, readFileSync(file, "utf8").replace('schemaName="fnori_5Ff-26o-20recurring-20integrations"', 'schemaName="fnori_5Fsomething-20else"'));
  return badSolutionDir;
}

/** A jobs file that parses but names a job kind that does not exist. */
function badJobsFile(): string {
  const file = path.join(work, "jobs.yaml");
  const environment = "  e: { url: https://contoso.operations.dynamics.com, tenant: t, clientId: c, clientSecret: { env: NOT_SET } }";
  writeFileSync(file, `environments:\n${environment}\njobs:\n  j: { kind: no-such-kind, environment: e, schedule: "0 * * * *" }\n`);
  return file;
}

let notASolutionZip: string;
const notASolution = (): string => notASolutionZip;

describe("the exit-code contract of every command", () => {
  it("covers every registered command", () => {
    expect(Object.keys(contract).sort()).toEqual(Object.keys(commandModules).sort());
  });

  const cases = Object.entries(contract).flatMap(([command, { unreadable, failed }]) => [
    ...unreadable.map(([what, args]) => [`${command}, ${what}, exits 2`, args, 2] as const),
    ...failed.map(([what, args]) => [`${command}, ${what}, exits 1`, args, 1] as const),
  ]);
  it.each(cases)("%s", async (what, args, expected) => {
    const run = await runCaptured(args());
    expect(run.code, `${what}: ${run.stderr}`).toBe(expected);
    expect(run.stderr, what).toMatch(/^fno-connector: |error: /m);
  });
});
