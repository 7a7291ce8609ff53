/**
 * The import sample flow of the flows solution: its files and dependencies, the rules of connector/README.md's
 * package section read from its JSON (the upload is the plain HTTP action, without authentication, to the write
 * URL), and runs of its definition (support/flow-runner.ts) against the embedded simulator's package API and
 * blob store, through the compiled connector as the gateway runs it.
 */
import { createHash } from "node:crypto";
import { afterEach, describe, expect, it } from "vitest";
import { invoke, ResponseError } from "../../src/gateway/index.ts";
import { defaultIds, SimulatedClock, startSimulator, type PackageApiOptions, type Simulator } from "../../src/simulator/index.ts";
import { importFlow, writeUrlExpression } from "../../src/solution/index.ts";
import { childElements, findChild } from "../../src/solution/xml.ts";
import { writeZip } from "../../src/zip/index.ts";
import { token as simulatorToken } from "../simulator/support.ts";
import { manifestXml } from "../workflows/package-support.ts";
import { runFlow, type ConnectorAnswer, type ConnectorCall, type HttpCall, type RunResult } from "./support/flow-runner.ts";
import { packedFlow, type FlowAction, type FlowJson } from "./support/flows-solution.ts";

const { connector, source, entries, customizations, manifest, workflow, flowFile, flow, actions } = packedFlow(importFlow.displayName);
type Flow = FlowJson;
type Action = FlowAction;

describe("the import flow in the flows solution", () => {
  it("is a second workflow: a root component, its own <Workflow> and JSON, a MissingDependency on the connector", () => {
    const id = workflow!.attributes.WorkflowId!;
    expect(childElements(findChild(manifest, "RootComponents")!).filter((r) => r.attributes.id === id).map((r) => r.attributes.type)).toEqual(["29"]);
    expect(flowFile).toMatch(new RegExp(`^Workflows/ImportanFOdatapackagesample-${id.slice(1, -1).toUpperCase()}\\.json$`));
    const dependencies = childElements(findChild(manifest, "MissingDependencies")!, "MissingDependency").filter((m) => findChild(m, "Dependent")!.attributes.id === id);
    expect(dependencies).toHaveLength(1);
    expect(findChild(dependencies[0]!, "Required")!.attributes).toMatchObject({ type: "372", schemaName: source.manifest.connector.schemaName });
    expect(findChild(dependencies[0]!, "Dependent")!.attributes).toMatchObject({ type: "29", displayName: importFlow.displayName });
  });

  it("uses only our connector, through the connection reference the export flow uses, and reads no environment variable", () => {
    const references = Object.values(flow.properties.connectionReferences);
    expect(references).toHaveLength(1);
    expect(references[0]!.api.logicalName).toBe(source.manifest.connector.schemaName);
    const defined = childElements(findChild(customizations, "connectionreferences")!, "connectionreference").map((r) => r.attributes.connectionreferencelogicalname);
    expect(defined).toContain(references[0]!.connection.connectionReferenceLogicalName);
    expect(Object.keys(flow.properties.definition.parameters)).toEqual(["$connections", "$authentication"]);
    expect([...entries.keys()].filter((n) => n.endsWith("/environmentvariabledefinition.xml"))).toHaveLength(2);
  });
});

describe("connector/README.md's package steps, read from the import flow", () => {
  const upload = actions.get(importFlow.uploadStep)!;

  it("uploads with the built-in HTTP action, not through the connector: PUT, x-ms-blob-type BlockBlob, no authentication", () => {
    expect(upload.type).toBe("Http");
    expect(upload.inputs).not.toHaveProperty("host");
    // Any authentication (the connection's or another) would send a credential the SAS URL must not receive.
    expect(upload.inputs).not.toHaveProperty("authentication");
    expect(upload.inputs).toMatchObject({ method: "PUT", headers: { "x-ms-blob-type": "BlockBlob" } });
    expect([...actions.values()].filter((a) => a.type === "Http")).toEqual([upload]);
  });

  it("takes the upload's URI and ImportFromPackage's package URL from the write URL, parsed once with json()", () => {
    expect(writeUrlExpression).toBe(`json(body('${importFlow.writeUrlStep}')?['value'])?['BlobUrl']`);
    expect(actions.get(importFlow.writeUrlStep)?.inputs?.host?.operationId).toBe("GetAzureWriteUrl");
    expect(upload.inputs!.uri).toBe(`@${writeUrlExpression}`);
    expect(upload.runAfter).toEqual({ [importFlow.writeUrlStep]: ["Succeeded"] });
    const importAction = actions.get(importFlow.importStep)!;
    expect(importAction.inputs?.host?.operationId).toBe("ImportFromPackage");
    expect(importAction.inputs?.parameters?.["request/packageUrl"]).toBe(`@${writeUrlExpression}`);
    expect(importAction.runAfter).toEqual({ [importFlow.uploadStep]: ["Succeeded"] });
    // A retried ImportFromPackage could start a second import.
    expect(importAction.inputs?.retryPolicy).toEqual({ type: "none" });
  });

  it("polls in a Do until with a delay and a bounded count and timeout", () => {
    const until = [...actions.values()].find((a) => a.type === "Until") as Action & { limit: { count: number; timeout: string } };
    expect(until.limit).toEqual({ count: importFlow.poll.count, timeout: importFlow.poll.timeout });
    expect(Object.values(until.actions!).map((a) => a.type)).toContain("Wait");
  });
});

// --- runs against the simulator ---------------------------------------------------------------------

/** Imports of a package with this entity end PartiallySucceeded; with the other, Failed. */
const partlyFailingEntity = "Vendors V2";
const failingEntity = "Released products V2";
const running: Simulator[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((sim) => sim.close()));
});

async function simulator(packageApi: PackageApiOptions = {}): Promise<{ sim: Simulator; clock: SimulatedClock; token: string }> {
  const clock = new SimulatedClock({ frozen: true, start: Date.UTC(2025, 0, 1) });
  const sim = await startSimulator({
    clock,
    packageApi: {
      outcomes: [
        { direction: "import", entity: partlyFailingEntity, status: "PartiallySucceeded", errors: [{ RecordId: "BAD-1", Field: "VENDORACCOUNTNUMBER", ErrorMessage: "Vendor BAD-1 has no vendor group." }] },
        { direction: "import", entity: failingEntity, status: "Failed", errors: [{ RecordId: "", Field: "", ErrorMessage: "The package could not be read." }] },
      ],
      ...packageApi,
    },
  });
  running.push(sim);
  return { sim, clock, token: await simulatorToken(sim) };
}

async function dataPackage(entities: string[]): Promise<Buffer> {
  return writeZip(
    new Map<string, Buffer>([
      ["Manifest.xml", Buffer.from(manifestXml(entities))],
      ["PackageHeader.xml", Buffer.from("<DataManagementPackageHeader/>")],
      ...entities.map((e): [string, Buffer] => [`${e}.csv`, Buffer.from("ID,NAME\r\n1,one\r\n")]),
    ]),
  );
}

/** The designer's flattened inputs (`request/field`) as the gateway takes them (`{request: {field}}`). */
function nested(parameters: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, Record<string, unknown> | unknown> = {};
  for (const [key, value] of Object.entries(parameters)) {
    const [name, field] = key.split("/") as [string, string | undefined];
    if (field === undefined) out[name] = value;
    else out[name] = { ...(out[name] as Record<string, unknown> | undefined), [field]: value };
  }
  return out;
}

/**
 * Runs the flow as its maker would, with the package as the File input. Connector actions go through the compiled
 * connector on a connection to the simulated environment; the HTTP action is a plain fetch that carries a bearer
 * token only if the action asks for authentication (what the platform would add); each Delay moves the clock.
 */
async function runImport(
  rig: { sim: Simulator; clock: SimulatedClock; token: string },
  bytes: Buffer,
  options: { flow?: Flow; dataProject?: string } = {},
): Promise<RunResult> {
  const { sim, clock, token } = rig;
  return runFlow((options.flow ?? flow) as never, {
    parameters: { $connections: {}, $authentication: {} },
    triggerBody: { file: { name: "customers.zip", contentBytes: bytes.toString("base64") }, text: options.dataProject ?? defaultIds.importDefinitionGroupId, text_1: "USMF" },
    async connector(call: ConnectorCall): Promise<ConnectorAnswer> {
      try {
        const result = await invoke(connector, call.operationId, { parameters: nested(call.parameters), connection: { token, "token:resourceUri": sim.url } });
        return { statusCode: result.status, body: result.outputs };
      } catch (err) {
        if (err instanceof ResponseError) return { statusCode: err.status, body: err.body };
        throw err;
      }
    },
    async http(call: HttpCall): Promise<ConnectorAnswer> {
      const authorization: Record<string, string> = call.authentication === undefined ? {} : { authorization: `Bearer ${token}` };
      const response = await fetch(call.uri, { method: call.method, headers: { ...call.headers, ...authorization }, body: call.body as Buffer });
      return { statusCode: response.status, body: await response.text() };
    },
    wait: (ms) => clock.advance(ms),
  });
}

const operations = (result: RunResult) => result.calls.map((c) => c.operationId);
const sha256 = (bytes: Buffer) => createHash("sha256").update(bytes).digest("hex");

describe("the import flow, run against the simulator", () => {
  it("imports a package: write URL, the plain upload of the file's bytes, ImportFromPackage, status until Succeeded", async () => {
    const rig = await simulator();
    const bytes = await dataPackage(["Customers V3"]);
    const result = await runImport(rig, bytes);
    expect(result.error).toBeUndefined();
    expect(result.status).toBe("Succeeded");
    const polls = operations(result).slice(2);
    expect(operations(result).slice(0, 2)).toEqual(["GetAzureWriteUrl", "ImportFromPackage"]);
    expect(polls.length).toBeGreaterThan(0);
    expect(new Set(polls)).toEqual(new Set(["GetExecutionSummaryStatus"]));
    expect(result.waits).toEqual(polls.map(() => 60_000));
    expect(result.variables.ExecutionStatus).toBe("Succeeded");

    // The upload went to the write URL F&O gave, with the package's bytes (not their base64 text).
    const [upload] = result.httpCalls;
    expect(result.httpCalls).toHaveLength(1);
    expect(upload!.uri).toMatch(/\/dmf\/.*package-[0-9a-f-]{36}\.zip\?/);
    expect(new URL(upload!.uri).origin).not.toBe(rig.sim.url);
    const [call] = rig.sim.importCalls();
    expect(call).toMatchObject({ packageUrl: upload!.uri, definitionGroupId: defaultIds.importDefinitionGroupId, legalEntityId: "USMF", execute: true, overwrite: true });
    expect(rig.sim.blobs().map((b) => b.sha256)).toContain(sha256(bytes));
    expect(rig.sim.counters().blobAuthorizationAttempts).toBe(0);
  });

  for (const [status, entity, errorText] of [
    ["PartiallySucceeded", partlyFailingEntity, "Vendor BAD-1 has no vendor group."],
    ["Failed", failingEntity, "The package could not be read."],
  ] as const) {
    it(`fails the run on ${status} with the status, the execution errors and the summary page link`, async () => {
      const rig = await simulator();
      const result = await runImport(rig, await dataPackage(["Customers V3", entity]));
      expect(result.status).toBe("Failed");
      expect(operations(result).slice(-2)).toEqual(["GetExecutionErrors", "GetExecutionSummaryPageUrl"]);
      const [execution] = rig.sim.packageExecutions();
      expect(result.error?.code).toBe("FnoPackageImport");
      expect(result.error?.message).toContain(`last status ${status}`);
      expect(result.error?.message).toContain(execution!.executionId);
      expect(result.error?.message).toContain("customers.zip");
      expect(result.error?.message).toContain(errorText);
      expect(result.error?.message).toContain(`${rig.sim.url}/?`);
      expect(result.error?.message).toContain("DMFExecutionSummary");
      expect(rig.sim.counters().blobAuthorizationAttempts).toBe(0);
    });
  }

  it("stops polling after the loop's count when the import never finishes, and reports the last status", async () => {
    const rig = await simulator({ executingSeconds: 10 * 24 * 3600 });
    const result = await runImport(rig, await dataPackage(["Customers V3"]));
    expect(operations(result).filter((o) => o === "GetExecutionSummaryStatus")).toHaveLength(importFlow.poll.count);
    expect(result.status).toBe("Failed");
    expect(result.error?.message).toContain("last status Executing");
  });

  it("fails the run with F&O's text when ImportFromPackage is refused (an unknown data project), without polling", async () => {
    const rig = await simulator();
    const result = await runImport(rig, await dataPackage(["Customers V3"]), { dataProject: "No such project" });
    expect(result.status).toBe("Failed");
    expect(operations(result)).toEqual(["GetAzureWriteUrl", "ImportFromPackage"]);
    expect(result.error).toEqual({
      code: "FnoPackageImport",
      message:
        "The import of customers.zip into data project No such project did not start. Get a write URL: HTTP 200; upload: HTTP 201; " +
        "Import a data package: HTTP 400, The data project 'No such project' does not exist.",
    });
    expect(rig.sim.counters().blobAuthorizationAttempts).toBe(0);
  });

  it("ends the loop when a status check fails, and reports F&O's text with the execution's errors and link", async () => {
    const rig = await simulator();
    rig.sim.setFaults({ rules: [{ kind: "status", endpoint: "getExecutionSummaryStatus", status: 400, message: "Execution details were not found." }] });
    const result = await runImport(rig, await dataPackage(["Customers V3"]));
    expect(operations(result)).toEqual(["GetAzureWriteUrl", "ImportFromPackage", "GetExecutionSummaryStatus", "GetExecutionErrors", "GetExecutionSummaryPageUrl"]);
    expect(result.status).toBe("Failed");
    expect(result.error?.message).toContain("last status Unknown. Checking the status failed (HTTP 400: Execution details were not found.). Execution errors: []. Execution summary: ");
  });

  it("a copy whose upload asks for authentication is caught: the blob store refuses and counts the token", async () => {
    const rig = await simulator();
    const leaking = structuredClone(flow);
    (leaking.properties.definition.actions[importFlow.uploadStep]!.inputs as Record<string, unknown>).authentication = "@parameters('$authentication')";
    const result = await runImport(rig, await dataPackage(["Customers V3"]), { flow: leaking });
    expect(result.status).toBe("Failed");
    expect(operations(result)).toEqual(["GetAzureWriteUrl"]);
    expect(result.error?.message).toMatch(/did not start\. Get a write URL: HTTP 200; upload: HTTP 40[13];/);
    expect(rig.sim.counters().blobAuthorizationAttempts).toBeGreaterThan(0);
  });
});

