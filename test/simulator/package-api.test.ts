import { describe, expect, it } from "vitest";
import { writeZip } from "../../src/zip/index.ts";
import { defaultIds, type Simulator } from "../../src/simulator/index.ts";
import { START, action, actionPath, call, innerMessage, invoke, sha256, start, token } from "./support.ts";

const exportGroup = defaultIds.exportDefinitionGroupId;
const importGroup = defaultIds.importDefinitionGroupId;

const exportBody = (overrides: Record<string, unknown> = {}) => ({
  definitionGroupId: exportGroup,
  packageName: "customers",
  executionId: "",
  reExecute: false,
  legalEntityId: "USMF",
  ...overrides,
});

const importBody = (packageUrl: string, overrides: Record<string, unknown> = {}) => ({
  packageUrl,
  definitionGroupId: importGroup,
  executionId: "",
  execute: true,
  overwrite: true,
  legalEntityId: "USMF",
  ...overrides,
});

/** A package like an F&O export: a manifest naming the entities, and a CSV each. */
function packageZip(entities: string[]): Promise<Buffer> {
  const manifest =
    `<?xml version="1.0" encoding="utf-8"?><DataManagementPackageManifest><PackageEntityList>` +
    entities.map((entity) => `<DataManagementPackageEntityData><EntityName>${entity}</EntityName><InputFilePath>${entity}.csv</InputFilePath></DataManagementPackageEntityData>`).join("") +
    `</PackageEntityList></DataManagementPackageManifest>`;
  return writeZip(new Map([["Manifest.xml", Buffer.from(manifest)], ...entities.map((entity): [string, Buffer] => [`${entity}.csv`, Buffer.from("A,B\r\n1,2\r\n")])]));
}

/** GetAzureWriteUrl, parsed twice as a client must. */
async function writeUrl(simulator: Simulator, bearer: string, uniqueFileName = "upload-1"): Promise<{ BlobId: string; BlobUrl: string }> {
  const value = await action(simulator, bearer, "GetAzureWriteUrl", { uniqueFileName });
  expect(typeof value).toBe("string");
  return JSON.parse(value as string) as { BlobId: string; BlobUrl: string };
}

function upload(url: string, bytes: Buffer, headers: Record<string, string> = { "x-ms-blob-type": "BlockBlob" }): Promise<Response> {
  return fetch(url, { method: "PUT", headers, body: bytes });
}

async function uploadPackage(simulator: Simulator, bearer: string, bytes: Buffer): Promise<string> {
  const { BlobUrl } = await writeUrl(simulator, bearer);
  expect((await upload(BlobUrl, bytes)).status).toBe(201);
  return BlobUrl;
}

describe("GetAzureWriteUrl (data-management-api)", () => {
  it("answers a JSON-encoded string of BlobId and a SAS BlobUrl on the blob store's own origin", async () => {
    const simulator = await start();
    const { BlobId, BlobUrl } = await writeUrl(simulator, await token(simulator), "my file.zip");
    expect(BlobId).toMatch(/^\{[0-9A-F-]{36}\}$/);
    const url = new URL(BlobUrl);
    expect(url.origin).toBe(simulator.connection.blobUrl);
    expect(url.origin).not.toBe(new URL(simulator.url).origin);
    expect(url.pathname).toBe("/dmf/my%20file.zip");
    expect([...url.searchParams.keys()].sort()).toEqual(["se", "sig", "sp", "sr", "st", "sv"]);
    expect(url.searchParams.get("sr")).toBe("b");
    // Default write SAS lifetime: 15 minutes from now (simulated).
    expect(url.searchParams.get("se")).toBe(new Date(START + 15 * 60_000).toISOString().replace(".000Z", "Z"));
  });
});

describe("ExportToPackage → GetExecutionSummaryStatus → GetExportedPackageUrl", () => {
  it("progresses NotRun, Executing, Succeeded on the simulated clock and then serves the package by SAS", async () => {
    const simulator = await start();
    const bearer = await token(simulator);
    const executionId = await action(simulator, bearer, "ExportToPackage", exportBody({ executionId: "Export-1" }));
    expect(executionId).toBe("Export-1");
    const status = () => action(simulator, bearer, "GetExecutionSummaryStatus", { executionId: "Export-1" });
    const packageUrl = () => action(simulator, bearer, "GetExportedPackageUrl", { executionId: "Export-1" });
    expect(await status()).toBe("NotRun");
    expect(await packageUrl()).toBe("");
    simulator.clock.advance(2000);
    expect(await status()).toBe("Executing");
    expect(await packageUrl()).toBe("");
    simulator.clock.advance(3000);
    expect(await status()).toBe("Succeeded");
    const url = (await packageUrl()) as string;
    expect(new URL(url).origin).toBe(simulator.connection.blobUrl);

    const [execution] = simulator.packageExecutions();
    expect(execution).toMatchObject({ executionId: "Export-1", direction: "export", definitionGroupId: exportGroup, legalEntityId: "USMF", status: "Succeeded", entities: ["Customers V3"] });
    const response = await fetch(url);
    expect(response.status).toBe(200);
    const bytes = Buffer.from(await response.arrayBuffer());
    expect(Number(response.headers.get("content-length"))).toBe(bytes.length);
    expect(response.headers.get("etag")).toMatch(/^"0x[0-9A-F]+"$/);
    expect(sha256(bytes)).toBe(execution!.packageSha256);
    expect(bytes.length).toBe(execution!.packageSize);
    expect(simulator.counters().blobDownloads).toBe(1);
  });

  it("creates an execution ID when none is given, and one CSV per entity of the project", async () => {
    const simulator = await start({
      packageApi: { definitionGroups: [{ id: "Two entities", direction: "export", entities: ["Customers V3", "Vendors V2"], dataBytes: 100 }], notRunSeconds: 0, executingSeconds: 0 },
    });
    const bearer = await token(simulator);
    const executionId = (await action(simulator, bearer, "ExportToPackageAsync", exportBody({ definitionGroupId: "two entities" }))) as string;
    expect(executionId).toMatch(/^[0-9a-f-]{36}$/);
    expect(simulator.packageExecutions()[0]!.entities).toEqual(["Customers V3", "Vendors V2"]);
    const url = (await action(simulator, bearer, "GetExportedPackageUrl", { executionId })) as string;
    const bytes = Buffer.from(await (await fetch(url)).arrayBuffer());
    const { readZip } = await import("../../src/zip/index.ts");
    const entries = await readZip(bytes, "export");
    expect([...entries.keys()]).toEqual(["Manifest.xml", "PackageHeader.xml", "Customers V3.csv", "Vendors V2.csv"]);
    expect(entries.get("Vendors V2.csv")!.length).toBe(100);
  });

  it("serves the docs' nested value when asked to", async () => {
    const simulator = await start({ packageApi: { nestedValues: true } });
    const value = await action(simulator, await token(simulator), "ExportToPackage", exportBody({ executionId: "Nested" }));
    expect(value).toEqual({ value: "Nested" });
  });

  it("accepts an unknown data project without error, and then has no execution for the ID (MicrosoftDocs #1030, RIS #71)", async () => {
    const simulator = await start();
    const bearer = await token(simulator);
    expect(await action(simulator, bearer, "ExportToPackage", exportBody({ definitionGroupId: "No such project", executionId: "Ghost" }))).toBe("Ghost");
    const { status, body } = await invoke(simulator, bearer, "GetExecutionSummaryStatus", { executionId: "Ghost" });
    expect(status).toBe(500);
    expect((body as { error: { message: string } }).error.message).toBe("An error has occurred.");
    expect(innerMessage(body)).toBe(
      "Exception occurred while executing action GetExecutionSummaryStatus on Entity DataManagementDefinitionGroup: Execution details were not found for execution id: Ghost",
    );
    expect(simulator.packageExecutions()).toEqual([]);
  });

  it("ends Failed, Canceled or Unknown by rule, with no package", async () => {
    const simulator = await start({
      packageApi: {
        notRunSeconds: 0,
        executingSeconds: 0,
        outcomes: [
          { legalEntityId: "DEMF", status: "Canceled" },
          { legalEntityId: "FRRT", status: "Unknown" },
          { direction: "export", status: "Failed", errors: [{ RecordId: "", Field: "", ErrorMessage: "Export failed." }] },
        ],
      },
    });
    const bearer = await token(simulator);
    for (const [legalEntityId, expected] of [["DEMF", "Canceled"], ["FRRT", "Unknown"], ["USMF", "Failed"]] as const) {
      const executionId = (await action(simulator, bearer, "ExportToPackage", exportBody({ legalEntityId }))) as string;
      expect(await action(simulator, bearer, "GetExecutionSummaryStatus", { executionId })).toBe(expected);
      expect(await action(simulator, bearer, "GetExportedPackageUrl", { executionId })).toBe("");
    }
    const failed = simulator.packageExecutions().find((execution) => execution.legalEntityId === "USMF")!;
    expect(JSON.parse((await action(simulator, bearer, "GetExecutionErrors", { executionId: failed.executionId })) as string)).toEqual([
      { RecordId: "", Field: "", ErrorMessage: "Export failed." },
    ]);
    expect(failed.packageSha256).toBeNull();
  });

  it("keeps the package 7 days: then the URL still comes back but the blob is gone (404 BlobNotFound)", async () => {
    const simulator = await start({ packageApi: { notRunSeconds: 0, executingSeconds: 0 } });
    const bearer = await token(simulator);
    const executionId = (await action(simulator, bearer, "ExportToPackage", exportBody())) as string;
    simulator.clock.advance(7 * 24 * 3600 * 1000 - 1);
    const url = (await action(simulator, await token(simulator), "GetExportedPackageUrl", { executionId })) as string;
    expect((await fetch(url)).status).toBe(200);
    simulator.clock.advance(1);
    const gone = await fetch((await action(simulator, await token(simulator), "GetExportedPackageUrl", { executionId })) as string);
    expect(gone.status).toBe(404);
    expect(await gone.text()).toContain("<Code>BlobNotFound</Code>");
  });
});

describe("GetAzureWriteUrl → PUT → ImportFromPackage → status and error files", () => {
  it("imports an uploaded package: Succeeded, no errors, the call recorded", async () => {
    const simulator = await start();
    const bearer = await token(simulator);
    const bytes = await packageZip(["Customer groups"]);
    const url = await uploadPackage(simulator, bearer, bytes);
    const executionId = (await action(simulator, bearer, "ImportFromPackage", importBody(url, { executionId: "Import-1" }))) as string;
    expect(executionId).toBe("Import-1");
    expect(await action(simulator, bearer, "GetExecutionSummaryStatus", { executionId })).toBe("NotRun");
    simulator.clock.advance(5000);
    expect(await action(simulator, bearer, "GetExecutionSummaryStatus", { executionId })).toBe("Succeeded");
    expect(await action(simulator, bearer, "GetExecutionErrors", { executionId })).toBe("[]");
    expect(await action(simulator, bearer, "GenerateImportTargetErrorKeysFile", { executionId, entityName: "Customer groups" }, "Edm.Boolean")).toBe(false);
    expect(simulator.packageExecutions()[0]).toMatchObject({ direction: "import", entities: ["Customer groups"], packageSha256: sha256(bytes), packageSize: bytes.length });
    expect(simulator.importCalls()).toEqual([
      expect.objectContaining({ definitionGroupId: importGroup, legalEntityId: "USMF", executionId: "Import-1", packageUrl: url, execute: true, overwrite: true, overlapped: false, refusal: null }),
    ]);
    expect(simulator.blobs()).toEqual([expect.objectContaining({ name: "upload-1", kind: "upload", size: bytes.length, sha256: sha256(bytes) })]);
  });

  it("ends PartiallySucceeded by rule, with an error keys file per entity that appears after a while", async () => {
    const simulator = await start({
      packageApi: {
        errorKeysFileSeconds: 10,
        outcomes: [
          {
            entity: "Customer groups",
            status: "PartiallySucceeded",
            errors: [{ RecordId: "5637144576", Field: "CustomerGroupId", ErrorMessage: "Group 10 already exists." }],
            entityErrors: [{ entity: "Customer groups", errorKeys: ["CUSTOMERGROUPID", "10"], stagingErrors: ["CUSTOMERGROUPID,ERROR", "10,duplicate"] }],
          },
        ],
      },
    });
    const bearer = await token(simulator);
    const url = await uploadPackage(simulator, bearer, await packageZip(["Customer groups", "Vendors V2"]));
    const executionId = (await action(simulator, bearer, "ImportFromPackageAsync", importBody(url))) as string;
    const byEntity = (entityName: string) => ({ executionId, entityName });
    // Nothing to generate before the execution has ended.
    expect(await action(simulator, bearer, "GenerateImportTargetErrorKeysFile", byEntity("Customer groups"), "Edm.Boolean")).toBe(false);
    simulator.clock.advance(5000);
    expect(await action(simulator, bearer, "GetExecutionSummaryStatus", { executionId })).toBe("PartiallySucceeded");
    expect(JSON.parse((await action(simulator, bearer, "GetExecutionErrors", { executionId })) as string)).toEqual([
      { RecordId: "5637144576", Field: "CustomerGroupId", ErrorMessage: "Group 10 already exists." },
    ]);
    expect(await action(simulator, bearer, "GetImportTargetErrorKeysFileUrl", byEntity("Customer groups"))).toBe("");
    expect(await action(simulator, bearer, "GenerateImportTargetErrorKeysFile", byEntity("Customer groups"), "Edm.Boolean")).toBe(true);
    expect(await action(simulator, bearer, "GenerateImportTargetErrorKeysFile", byEntity("Vendors V2"), "Edm.Boolean")).toBe(false);
    expect(await action(simulator, bearer, "GetImportTargetErrorKeysFileUrl", byEntity("Customer groups"))).toBe("");
    simulator.clock.advance(10_000);
    const keysUrl = (await action(simulator, bearer, "GetImportTargetErrorKeysFileUrl", byEntity("customer groups"))) as string;
    expect(new URL(keysUrl).origin).toBe(simulator.connection.blobUrl);
    expect(await (await fetch(keysUrl)).text()).toBe("CUSTOMERGROUPID\r\n10\r\n");
    const stagingUrl = (await action(simulator, bearer, "GetImportStagingErrorFileUrl", byEntity("Customer groups"))) as string;
    expect(await (await fetch(stagingUrl)).text()).toBe("CUSTOMERGROUPID,ERROR\r\n10,duplicate\r\n");
    expect(await action(simulator, bearer, "GetImportStagingErrorFileUrl", byEntity("Vendors V2"))).toBe("");
    const page = new URL((await action(simulator, bearer, "GetExecutionSummaryPageUrl", { executionId })) as string);
    expect(page.origin).toBe(new URL(simulator.url).origin);
    expect(page.searchParams.get("executionId")).toBe(executionId);
  });

  it("fails the execution, with the reason in GetExecutionErrors, for a package without Manifest.xml", async () => {
    const simulator = await start({ packageApi: { notRunSeconds: 0, executingSeconds: 0 } });
    const bearer = await token(simulator);
    const url = await uploadPackage(simulator, bearer, await writeZip(new Map([["Customer groups.csv", Buffer.from("A\r\n1\r\n")]])));
    const executionId = (await action(simulator, bearer, "ImportFromPackage", importBody(url))) as string;
    expect(await action(simulator, bearer, "GetExecutionSummaryStatus", { executionId })).toBe("Failed");
    const errors = JSON.parse((await action(simulator, bearer, "GetExecutionErrors", { executionId })) as string) as { ErrorMessage: string }[];
    expect(errors).toHaveLength(1);
    expect(errors[0]!.ErrorMessage).toContain("no Manifest.xml");
  });

  it("fails the execution for a blob that is not a zip, and for a URL that names no uploaded blob", async () => {
    const simulator = await start({ packageApi: { notRunSeconds: 0, executingSeconds: 0 } });
    const bearer = await token(simulator);
    const notZip = await uploadPackage(simulator, bearer, Buffer.from("GROUP,DESCRIPTION\r\n10,Retail\r\n"));
    for (const packageUrl of [notZip, `${simulator.connection.blobUrl}/dmf/never-uploaded`]) {
      const executionId = (await action(simulator, bearer, "ImportFromPackage", importBody(packageUrl))) as string;
      expect(await action(simulator, bearer, "GetExecutionSummaryStatus", { executionId })).toBe("Failed");
      expect((await action(simulator, bearer, "GetExecutionErrors", { executionId })) as string).toMatch(/not a valid zip|No package could be read/);
    }
  });

  it("refuses an unknown or export data project with 400 naming it", async () => {
    const simulator = await start();
    const bearer = await token(simulator);
    const url = await uploadPackage(simulator, bearer, await packageZip(["Customer groups"]));
    for (const definitionGroupId of ["No such project", exportGroup]) {
      const { status, body } = await invoke(simulator, bearer, "ImportFromPackage", importBody(url, { definitionGroupId }));
      expect(status).toBe(400);
      expect(innerMessage(body)).toContain(`'${definitionGroupId}'`);
    }
    expect(simulator.importCalls().map((call) => call.refusal)).toEqual([expect.stringContaining("does not exist"), expect.stringContaining("export project")]);
    expect(simulator.packageExecutions()).toEqual([]);
  });

  it("refuses a second ImportFromPackage for the same project while the first is still being served", async () => {
    const simulator = await start({ packageApi: { importCallMs: 200 } });
    const bearer = await token(simulator);
    const url = await uploadPackage(simulator, bearer, await packageZip(["Customer groups"]));
    const answers = await Promise.all(
      ["A", "B"].map((executionId) => invoke(simulator, bearer, "ImportFromPackage", importBody(url, { executionId }))),
    );
    expect(answers.map((answer) => answer.status).sort()).toEqual([200, 500]);
    expect(innerMessage(answers.find((answer) => answer.status === 500)!.body)).toContain("must not be called in parallel");
    const calls = simulator.importCalls();
    expect(calls.filter((call) => call.overlapped)).toEqual([expect.objectContaining({ executionId: null, refusal: expect.stringContaining("in parallel") })]);
    expect(calls.filter((call) => !call.overlapped)).toEqual([expect.objectContaining({ executionId: expect.stringMatching(/^[AB]$/), refusal: null })]);
    // Once the first has answered, the next call is accepted.
    expect((await invoke(simulator, bearer, "ImportFromPackage", importBody(url, { executionId: "C" }))).status).toBe(200);
  });

  it("checks parameters: every documented one is required, with its type; others are refused", async () => {
    const simulator = await start();
    const bearer = await token(simulator);
    const { executionId: _omitted, ...withoutId } = exportBody();
    const missing = await invoke(simulator, bearer, "ExportToPackage", withoutId);
    expect(missing.status).toBe(400);
    expect(innerMessage(missing.body)).toContain("'executionId' is missing or is not a string");
    const wrongType = await invoke(simulator, bearer, "ExportToPackage", exportBody({ reExecute: "false" }));
    expect(innerMessage(wrongType.body)).toContain("'reExecute' is missing or is not a boolean");
    const extra = await invoke(simulator, bearer, "GetExportedPackageUrl", { executionId: "x", entityName: "y" });
    expect(extra.status).toBe(400);
    expect(innerMessage(extra.body)).toContain("'entityName'");
  });

  it("answers 500 'Execution details were not found' for an unknown execution on every execution action", async () => {
    const simulator = await start();
    const bearer = await token(simulator);
    const cases: [string, Record<string, string>][] = [
      ["GetExecutionSummaryStatus", { executionId: "nope" }],
      ["GetExecutionErrors", { executionId: "nope" }],
      ["GetExportedPackageUrl", { executionId: "nope" }],
      ["GenerateImportTargetErrorKeysFile", { executionId: "nope", entityName: "E" }],
      ["GetImportTargetErrorKeysFileUrl", { executionId: "nope", entityName: "E" }],
      ["GetImportStagingErrorFileUrl", { executionId: "nope", entityName: "E" }],
      ["GetExecutionSummaryPageUrl", { executionId: "nope" }],
    ];
    for (const [name, body] of cases) {
      const answer = await invoke(simulator, bearer, name, body);
      expect(answer.status, name).toBe(500);
      expect(innerMessage(answer.body), name).toContain(`action ${name} on Entity DataManagementDefinitionGroup: Execution details were not found for execution id: nope`);
    }
  });
});

describe("faults and throttling on the package actions, by endpoint name", () => {
  it("a status fault on importFromPackage has no effect; a throttle on exportToPackage answers 429", async () => {
    const simulator = await start({ faults: { rules: [{ kind: "status", endpoint: "importFromPackage", status: 503, times: 1 }], throttle: { ratePerSecond: 1, burst: 1, endpoints: ["exportToPackage"] } } });
    const bearer = await token(simulator);
    const url = await uploadPackage(simulator, bearer, await packageZip(["Customer groups"]));
    expect((await invoke(simulator, bearer, "ImportFromPackage", importBody(url))).status).toBe(503);
    expect(simulator.importCalls()).toEqual([]);
    expect((await invoke(simulator, bearer, "ImportFromPackage", importBody(url))).status).toBe(200);
    expect((await invoke(simulator, bearer, "ExportToPackage", exportBody())).status).toBe(200);
    expect((await invoke(simulator, bearer, "ExportToPackage", exportBody())).status).toBe(429);
    const counters = simulator.counters();
    expect(counters.requests.importFromPackage).toBe(2);
    expect(counters.responses.importFromPackage).toEqual({ "200": 1, "503": 1 });
    expect(counters.responses.exportToPackage).toEqual({ "200": 1, "429": 1 });
    expect(counters.requests.getAzureWriteUrl).toBe(1);
  });

  it("the actions need the bearer token", async () => {
    const simulator = await start();
    const response = await call(simulator, undefined, actionPath("GetAzureWriteUrl"), { json: { uniqueFileName: "x" } });
    expect(response.status).toBe(401);
  });
});

describe("package API options", () => {
  it("are checked against the schema, pointing at the offending value", async () => {
    const { startSimulator } = await import("../../src/simulator/index.ts");
    await expect(startSimulator({ packageApi: { definitionGroups: [{ id: "P", direction: "sideways" as "export" }] } })).rejects.toThrow(
      /\/packageApi\/definitionGroups\/0\/direction: must be one of "export", "import"/,
    );
    await expect(startSimulator({ packageApi: { outcomes: [{ status: "Executing" as "Failed" }] } })).rejects.toThrow(/\/packageApi\/outcomes\/0\/status/);
    await expect(startSimulator({ packageApi: { definitionGroups: [{ id: "P", direction: "export", entities: ["a/b"] }] } })).rejects.toThrow(
      /\/packageApi\/definitionGroups\/0\/entities\/0/,
    );
    await expect(startSimulator({ packageApi: { retention: 3 } as never })).rejects.toThrow(/\/packageApi\/retention: is not a known property/);
  });

  it("runs an export again under the same ID only with reExecute", async () => {
    const simulator = await start({ packageApi: { notRunSeconds: 0, executingSeconds: 0 } });
    const bearer = await token(simulator);
    await action(simulator, bearer, "ExportToPackage", exportBody({ executionId: "Again" }));
    const refused = await invoke(simulator, bearer, "ExportToPackage", exportBody({ executionId: "Again" }));
    expect(refused.status).toBe(500);
    expect(innerMessage(refused.body)).toContain("already exists");
    simulator.clock.advance(1000);
    expect(await action(simulator, bearer, "ExportToPackage", exportBody({ executionId: "again", reExecute: true }))).toBe("again");
    expect(simulator.packageExecutions().map((execution) => [execution.executionId, execution.startedAt])).toEqual([["again", new Date(START + 1000).toISOString()]]);
  });
});
