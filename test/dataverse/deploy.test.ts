import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { LoopbackClientSecretCredential } from "../../src/client/index.ts";
import { runCli } from "../../src/cli/program.ts";
import { deployThroughWebApi, DeployError } from "../../src/dataverse/deploy.ts";
import { DataverseClient } from "../../src/dataverse/web-api.ts";
import { startDataverseDouble, type DataverseDouble } from "../../src/simulator/dataverse.ts";
import { writeSolution } from "../../src/solution/index.ts";
import { sampleFlowConnectionReferences, sampleFlowEnvironmentVariables } from "../../src/solution/sample-flow.ts";
import { compiledConnector, solutionDir, solutionSource } from "../solution/support.ts";
import { runCaptured } from "../cli/support.ts";
import { clock } from "../cli/virtual-clock.ts";

// The deploy command waits on a virtual clock, its Dataverse client (Retry-After, pacing) and its polls of an
// import alike: every wait is taken and recorded, in no real time.
vi.mock("../../src/dataverse/web-api.ts", async (original) => (await import("../cli/virtual-clock.ts")).moduleOnVirtualClock(original, "DataverseClient"));
vi.mock("../../src/dataverse/deploy.ts", async (original) => {
  const actual = await original<typeof import("../../src/dataverse/deploy.ts")>();
  const { clock } = await import("../cli/virtual-clock.ts");
  return { ...actual, deployThroughWebApi: (options: Parameters<typeof actual.deployThroughWebApi>[0]) => actual.deployThroughWebApi({ now: () => clock.now(), sleep: (ms: number, signal?: AbortSignal) => clock.sleep(ms, signal), ...options }) };
});

const manifest = solutionSource().manifest;
const references = sampleFlowConnectionReferences(manifest);
const variables = sampleFlowEnvironmentVariables(manifest);

describe("deploy through the Dataverse Web API (no pac on PATH)", () => {
  const work = mkdtempSync(path.join(tmpdir(), "fno-webapi-"));
  const dist = path.join(work, "dist");
  const zip = path.join(dist, "solution", "FnoRecurringIntegrations_1_0_0_0.zip");
  const flowsZip = path.join(dist, "solution", "FnoRecurringIntegrationsFlows_1_0_0_0.zip");
  const saved = { ...process.env };
  let dv: DataverseDouble;

  beforeAll(async () => {
    const connector = compiledConnector();
    mkdirSync(path.join(dist, "connector"), { recursive: true });
    for (const [name, bytes] of connector.files) writeFileSync(path.join(dist, "connector", name), bytes);
    await writeSolution(connector, solutionSource(), path.join(dist, "solution"));
  });
  beforeEach(async () => {
    dv = await startDataverseDouble();
    const c = dv.connection;
    Object.assign(process.env, { PATH: path.join(work, "no-pac"), AZURE_TENANT_ID: c.tenantId, AZURE_CLIENT_ID: c.clientId, AZURE_CLIENT_SECRET: c.clientSecret, AZURE_AUTHORITY_HOST: c.authorityHost });
  });
  afterEach(async () => {
    await dv.close();
    for (const key of Object.keys(process.env)) if (!(key in saved)) delete process.env[key];
    Object.assign(process.env, saved);
    vi.restoreAllMocks();
  });
  afterAll(() => undefined);

  const deploy = (...args: string[]) => runCaptured(["deploy", "--dist", dist, "--solution-dir", solutionDir, "--environment", dv.url, ...args]);
  const imports = () => dv.requests.filter((r) => r.method === "POST" && r.path.endsWith("/ImportSolutionAsync"));
  const settingsFile = (connections: Record<string, string>, values: Record<string, string>): string => {
    const file = path.join(work, `settings-${Math.random().toString(36).slice(2)}.json`);
    writeFileSync(
      file,
      JSON.stringify({
        EnvironmentVariables: Object.entries(values).map(([SchemaName, Value]) => ({ SchemaName, Value })),
        ConnectionReferences: Object.entries(connections).map(([LogicalName, ConnectionId]) => ({ LogicalName, ConnectionId, ConnectorId: "", ConnectionOwner: "ignored" })),
      }),
    );
    return file;
  };

  it("imports the connector solution, then the flows solution with the settings as ComponentParameters, and prints what is left", async () => {
    const settings = settingsFile({ [references.connector]: "conn-fno-1" }, { [variables.activityId.schemaName]: "a1b2", [variables.recipients.schemaName]: "ops@contoso.example" });
    const run = await deploy("--settings", settings);
    expect(run.stderr).toBe("");
    expect(run.code).toBe(0);
    // Order: the connector solution's import completed before the flows solution's was sent.
    const order = dv.requests.filter((r) => r.path.endsWith("/ImportSolutionAsync") || r.path.includes("/solutions?")).map((r) => (r.path.includes("/solutions?") ? "check" : "import"));
    expect(order).toEqual(["import", "check", "import"]);
    expect([...dv.solutions.keys()]).toEqual(["FnoRecurringIntegrations", "FnoRecurringIntegrationsFlows"]);
    expect(dv.connectionReferences.get(references.connector)?.connectionId).toBe("conn-fno-1");
    expect(dv.connectionReferences.get(references.outlook)?.connectionId).toBeNull();
    expect(Object.fromEntries(dv.environmentVariableValues)).toEqual({ [variables.activityId.schemaName]: "a1b2", [variables.recipients.schemaName]: "ops@contoso.example" });
    expect(dv.publishes).toHaveLength(2); // unmanaged packages: customizations published after each import
    expect(run.stdout.indexOf(`imported ${zip}`)).toBeLessThan(run.stdout.indexOf(`imported ${flowsZip}`));
    expect(run.stdout).toContain("Still to do by hand");
    expect(run.stdout).toContain(`Connection references without a connection: ${references.outlook}.`);
    expect(run.stdout).toContain("Enter the client secret");
  });

  it("sends the documented headers on every request: OData versions, Accept, annotations, If-None-Match on reads, Content-Type with a body", async () => {
    expect((await deploy("--managed")).code).toBe(0);
    const api = dv.requests.filter((r) => r.path.startsWith("/api/data/v9.2/"));
    expect(api.length).toBeGreaterThan(6);
    for (const request of api) {
      const where = `${request.method} ${request.path}`;
      expect(request.headers.accept, where).toBe("application/json");
      expect(request.headers["odata-maxversion"], where).toBe("4.0");
      expect(request.headers["odata-version"], where).toBe("4.0");
      expect(request.headers.prefer, where).toBe('odata.include-annotations="*"');
      expect(request.headers.authorization, where).toMatch(/^Bearer sim\./);
      if (request.method === "GET") expect(request.headers["if-none-match"], where).toBe("null");
      else expect(request.headers["content-type"], where).toBe("application/json");
    }
    expect(dv.publishes).toHaveLength(0); // managed imports publish themselves
  });

  it("refuses the flows solution in an environment without the connector solution, before uploading it", async () => {
    const run = await deploy("--only", "flows");
    expect(run.code).toBe(1);
    expect(run.stderr).toContain("needs the connector from the connector solution FnoRecurringIntegrations");
    expect(run.stderr).toContain("import the connector solution first");
    expect(imports()).toHaveLength(0);
  });

  it("reports a failed import with the asyncoperation's message and the import job's formatted results", async () => {
    const client = new DataverseClient({ environmentUrl: dv.url, credential: credentialFor(dv) });
    dv.solutions.set("SomethingElse", "1.0"); // passes the pre-check, so the import itself meets the missing dependency
    const failure = await deployThroughWebApi({
      client,
      packages: [{ part: "flows", file: flowsZip, bytes: readFileSync(flowsZip), managed: false }],
      connectorSolution: "SomethingElse",
      connectorName: manifest.connector.schemaName,
      connectionReferences: [],
      pollMs: 1,
    }).catch((err: unknown) => err);
    expect(failure).toBeInstanceOf(DeployError);
    const message = (failure as Error).message;
    expect(message).toContain('the import of FnoRecurringIntegrationsFlows_1_0_0_0.zip ended "Failed"');
    expect(message).toContain("Some dependencies are missing");
    expect(message).toMatch(/import job [0-9a-f-]{36} results:\n {4}Type \| Name \| Result \| Details\n {4}Missing dependency \| F&O Recurring Integrations \(fnori_5Ff-26o-20recurring-20integrations\) from solution FnoRecurringIntegrations \(1\.0\.0\.0\) \| Failure/);
    expect(dv.solutions.has("FnoRecurringIntegrationsFlows")).toBe(false);
  });

  it("prints the Web API error code, message and annotations of a refused import, and stops before the flows solution", async () => {
    dv.failNextImport({
      status: 400,
      code: "0x8004801a",
      message: "The import file is invalid. XSD validation failed.",
      annotations: {
        "@Microsoft.PowerApps.CDS.HelpLink": "http://go.microsoft.com/fwlink/?LinkID=398563&error=Microsoft.Crm.CrmException%3a8004801a&client=platform",
        "@Microsoft.PowerApps.CDS.TraceText": "line 1\r\nline 2",
        "@Microsoft.PowerApps.CDS.InnerError.Message": "The element 'Connector' has invalid child element 'capabilities'.",
      },
    });
    const run = await deploy();
    expect(run.code).toBe(1);
    expect(run.stderr).toContain("ImportSolutionAsync FnoRecurringIntegrations_1_0_0_0.zip failed: HTTP 400 [0x8004801a]: The import file is invalid. XSD validation failed.");
    expect(run.stderr).toContain("inner error: The element 'Connector' has invalid child element 'capabilities'.");
    expect(run.stderr).toContain("help: http://go.microsoft.com/fwlink/?LinkID=398563&error=Microsoft.Crm.CrmException%3a8004801a&client=platform");
    expect(run.stderr).toContain("trace: line 1 line 2");
    expect(run.stderr).toContain("the solutions after it were not imported");
    expect(imports()).toHaveLength(1);
  });

  it("waits out a 429 burst with Retry-After and imports each solution once", async () => {
    dv.throttleNext(2, 1);
    const started = clock.elapsed();
    const run = await deploy();
    expect(run.code).toBe(0);
    expect(clock.elapsed() - started).toBeGreaterThanOrEqual(1000);
    expect(run.stdout).toContain("HTTP 429, Retry-After");
    expect([...dv.solutions.keys()]).toEqual(["FnoRecurringIntegrations", "FnoRecurringIntegrationsFlows"]);
  });

  it("does not send an import again when the connection breaks after Dataverse received it", async () => {
    dv.resetNextImport();
    const run = await deploy();
    expect(run.code).toBe(1);
    expect(run.stderr).toContain("ImportSolutionAsync FnoRecurringIntegrations_1_0_0_0.zip failed: could not reach");
    expect(run.stderr).toContain("the solutions after it were not imported");
    expect(imports()).toHaveLength(1);
  });

  it("says what to check when Dataverse refuses the token (401), and imports nothing", async () => {
    dv.refuseTokens();
    const run = await deploy();
    expect(run.code).toBe(1);
    expect(run.stderr).toContain("ImportSolutionAsync FnoRecurringIntegrations_1_0_0_0.zip failed: HTTP 401");
    expect(run.stderr).toContain("The token was refused");
    expect(run.stderr).not.toContain(dv.connection.clientSecret);
    expect(dv.solutions.size).toBe(0);
  });

  it("shares the connector with a user and a team through GrantAccess, and leaves that step out of the checklist", async () => {
    const run = await deploy("--only", "connector", "--share-with", "maker@contoso.example", "F&O makers");
    expect(run.stderr).toBe("");
    expect(dv.shares.map((s) => s.accessMask)).toEqual(["ReadAccess", "ReadAccess"]);
    expect(dv.shares.map((s) => s.principal)).toEqual(["7d2f0c1e-5b7a-4c55-9a41-1d3e2f4a5b60", "3c9b8a7d-6e5f-4a3b-8c2d-1e0f9a8b7c6d"]);
    expect(run.stdout).toContain("shared the connector with team F&O makers");
    expect(run.stdout).not.toContain("Share the connector with the makers");
    const unknown = await deploy("--only", "connector", "--share-with", "nobody@contoso.example");
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('--share-with "nobody@contoso.example": no user with that email address');
  });

  it("uses the Web API with --web-api even when pac is on PATH, and refuses a placeholder build before any request", async () => {
    const bin = path.join(work, "bin");
    mkdirSync(bin, { recursive: true });
    writeFileSync(path.join(bin, "pac"), "#!/bin/sh\nexit 99\n", { mode: 0o755 });
    process.env.PATH = bin;
    const run = await deploy("--web-api", "--only", "connector");
    expect(run.code).toBe(0);
    expect(run.stdout).toContain("pac not used: --web-api");
    expect(dv.solutions.has("FnoRecurringIntegrations")).toBe(true);

    const unconfigured = path.join(work, "unconfigured");
    const { compileConnector } = await import("../../src/compile/index.ts");
    const { placeholderConfig } = await import("../../src/compile/config.ts");
    await writeSolution(compileConnector(path.join(solutionDir, "..", "connector"), placeholderConfig).connector, solutionSource(), path.join(unconfigured, "solution"));
    const requestsBefore = dv.requests.length;
    const stderr = vi.spyOn(process.stderr, "write").mockImplementation(() => true);
    expect(await runCli(["deploy", "--dist", unconfigured, "--solution-dir", solutionDir, "--environment", dv.url])).toBe(1);
    expect(stderr.mock.calls.join("")).toContain("placeholder client ID and resource URL");
    expect(dv.requests).toHaveLength(requestsBefore);
  });

  it("refuses a settings file naming something the flows solution does not have, or a placeholder never replaced, before any request", async () => {
    const typo = settingsFile({ fnori_NoSuchReference: "c1" }, {});
    const run = await deploy("--settings-file", typo);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(`${typo} /ConnectionReferences/0/LogicalName: the flows solution has no connection reference "fnori_NoSuchReference"`);
    const token = settingsFile({ [references.connector]: "#{connectionreference.fnori}#" }, {});
    expect((await deploy("--settings-file", token)).stderr).toContain("is a placeholder that was never replaced");
    expect(dv.requests).toHaveLength(0);
  });
});

describe("DataverseClient", () => {
  it("never sends an import again once it may have reached the server (connection reset), but retries reads", async () => {
    const calls: string[] = [];
    const fetch = async (request: Request): Promise<Response> => {
      calls.push(`${request.method} ${new URL(request.url).pathname}`);
      throw Object.assign(new TypeError("fetch failed"), { cause: Object.assign(new Error("socket hang up"), { code: "ECONNRESET" }) });
    };
    const credential = { getToken: async () => ({ token: "t", expiresOnTimestamp: Date.now() + 3600_000 }) };
    const client = new DataverseClient({ environmentUrl: "https://contoso.crm.dynamics.com", credential, fetch, sleep: async () => undefined, retry: { maxAttempts: 3 } });
    await expect(client.post("ImportSolutionAsync", {}, "ImportSolutionAsync", "rejected-only")).rejects.toThrow(/ImportSolutionAsync failed: could not reach https:\/\/contoso\.crm\.dynamics\.com: connection reset/);
    expect(calls).toEqual(["POST /api/data/v9.2/ImportSolutionAsync"]);
    calls.length = 0;
    await expect(client.get("solutions", "solutions query")).rejects.toThrow();
    expect(calls).toHaveLength(3);
  });
});

describe("fno-connector settings", () => {
  it("writes the flows solution's references and variables in pac's create-settings shape, names from the flows solution's code", async () => {
    const stdout = vi.spyOn(process.stdout, "write").mockImplementation(() => true);
    expect(await runCli(["settings", "--solution", solutionDir])).toBe(0);
    const written = JSON.parse(stdout.mock.calls.join(""));
    stdout.mockRestore();
    expect(written).toEqual({
      EnvironmentVariables: [
        { SchemaName: variables.activityId.schemaName, Value: "" },
        { SchemaName: variables.recipients.schemaName, Value: "" },
      ],
      ConnectionReferences: [
        { LogicalName: references.connector, ConnectionId: "", ConnectorId: "/providers/Microsoft.PowerApps/apis/shared_fnori-5ff-26o-20recurring-20integrations" },
        { LogicalName: references.outlook, ConnectionId: "", ConnectorId: "/providers/Microsoft.PowerApps/apis/shared_office365" },
      ],
    });
  });

  it("writes --out once and refuses to replace it (it may hold filled-in values)", async () => {
    const out = path.join(mkdtempSync(path.join(tmpdir(), "fno-settings-")), "deploymentSettings.json");
    vi.spyOn(process.stdout, "write").mockImplementation(() => true);
    const stderr = vi.spyOn(process.stderr, "write").mockImplementation(() => true);
    expect(await runCli(["settings", "--out", out])).toBe(0);
    writeFileSync(out, readFileSync(out, "utf8").replace('"Value": ""', '"Value": "kept"'));
    expect(await runCli(["settings", "--out", out])).toBe(2);
    expect(stderr.mock.calls.join("")).toContain("already exists");
    expect(readFileSync(out, "utf8")).toContain('"kept"');
    vi.restoreAllMocks();
  });
});

function credentialFor(dv: DataverseDouble): LoopbackClientSecretCredential {
  const c = dv.connection;
  return new LoopbackClientSecretCredential(c.authorityHost, c.tenantId, c.clientId, c.clientSecret);
}
