/**
 * The data management package actions through the compiled connector, against the embedded simulator
 * (Microsoft Learn "Data management package REST API"; ../shared/reference/fno-api.md §2). Each call goes
 * through a recording fetch, so a test sees the request exactly as the gateway sent it. The blob steps
 * (upload, download of the package and of error files) are plain fetches without Authorization, as the
 * connector README tells makers to write them; the blob store lives on its own origin and counts any
 * Authorization header that reaches it.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import yazl from "yazl";
import { invoke, ResponseError } from "../../src/gateway/index.ts";
import { defaultIds, SimulatedClock, startSimulator, type Simulator } from "../../src/simulator/index.ts";
import { token as simulatorToken } from "../simulator/support.ts";
import { connectorPackage } from "./support/connector.ts";

const pkg = connectorPackage();
/** Imports of a package with this entity end PartiallySucceeded, with both error files. */
const partlyFailingEntity = "Vendors V2";
const actionPath = (name: string) => `/data/DataManagementDefinitionGroups/Microsoft.Dynamics.DataEntities.${name}`;

interface SentRequest {
  method: string;
  url: string;
  headers: Record<string, string>;
  body: string;
}

let sim: Simulator;
let clock: SimulatedClock;
let token: string;
const sent: SentRequest[] = [];

beforeAll(async () => {
  clock = new SimulatedClock({ frozen: true, start: Date.UTC(2025, 0, 1) });
  sim = await startSimulator({
    clock,
    packageApi: { outcomes: [{ direction: "import", entity: partlyFailingEntity, status: "PartiallySucceeded", entityErrors: [{ entity: partlyFailingEntity, errorKeys: ["KEY", "BAD-1"], stagingErrors: ["ID,NAME", "x,"] }] }] },
  });
  token = await simulatorToken(sim);
});
afterAll(() => sim?.close());
beforeEach(() => {
  sent.length = 0;
});

/** Records each request the gateway sends, then lets it through to the simulator. */
async function recordingFetch(input: string | URL | Request, init?: RequestInit): Promise<Response> {
  const request = new Request(input, init);
  const copy = request.clone();
  sent.push({ method: copy.method, url: copy.url, headers: Object.fromEntries(copy.headers), body: await copy.text() });
  return globalThis.fetch(request);
}

/** One action of the compiled connector, on a connection to the simulated environment. */
async function action(operationId: string, request: Record<string, unknown>): Promise<{ status: number; outputs: unknown }> {
  return invoke(pkg, operationId, { parameters: { request }, connection: { token, "token:resourceUri": sim.url } }, { fetch: recordingFetch });
}

/** An action's `value`, typed by the operation's declared output. */
async function valueOf<T = string>(operationId: string, request: Record<string, unknown>): Promise<T> {
  return ((await action(operationId, request)).outputs as { value: T }).value;
}

/** Polls GetExecutionSummaryStatus on the simulator's clock until a final status, as a flow's Do until does. */
async function finalStatus(executionId: string): Promise<string> {
  for (let round = 0; round < 100; round++) {
    const status = await valueOf("GetExecutionSummaryStatus", { executionId });
    if (!["Unknown", "NotRun", "Executing"].includes(status)) return status;
    clock.advance(15_000);
  }
  throw new Error(`execution ${executionId} did not finish`);
}

/** A data package: Manifest.xml naming the entities, and one CSV per entity. */
async function dataPackage(entities: string[]): Promise<Buffer> {
  const zip = new yazl.ZipFile();
  const manifest = `<?xml version="1.0" encoding="utf-8"?><DataManagementPackageManifest xmlns="http://schemas.microsoft.com/dynamics/2015/01/DataManagement"><DefinitionGroupId>Import</DefinitionGroupId><Description>test</Description><PackageEntityList>${entities
    .map((e) => `<DataManagementPackageEntityData><EntityName>${e}</EntityName><SourceFormat>CSV</SourceFormat></DataManagementPackageEntityData>`)
    .join("")}</PackageEntityList></DataManagementPackageManifest>`;
  zip.addBuffer(Buffer.from(manifest), "Manifest.xml");
  zip.addBuffer(Buffer.from("<?xml version=\"1.0\"?><PackageHeader/>"), "PackageHeader.xml");
  for (const entity of entities) zip.addBuffer(Buffer.from("ID,NAME\r\n1,Contoso\r\n"), `${entity}.csv`);
  zip.end();
  const chunks: Buffer[] = [];
  for await (const chunk of zip.outputStream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** The plain HTTP steps of a flow: no Authorization, only the SAS in the URL. */
const uploadToBlob = (blobUrl: string, bytes: Buffer) =>
  fetch(blobUrl, { method: "PUT", headers: { "x-ms-blob-type": "BlockBlob", "content-type": "application/octet-stream" }, body: bytes });
const downloadFromBlob = (blobUrl: string) => fetch(blobUrl);

/** A flow's import steps: a write URL, the plain upload of a package of `entities`, ImportFromPackage; the execution ID. */
async function importUploaded(uniqueFileName: string, entities: string[]): Promise<{ executionId: string; blobUrl: string }> {
  const { BlobUrl: blobUrl } = JSON.parse(await valueOf("GetAzureWriteUrl", { uniqueFileName })) as { BlobUrl: string };
  expect((await uploadToBlob(blobUrl, await dataPackage(entities))).status).toBe(201);
  const executionId = await valueOf("ImportFromPackage", { packageUrl: blobUrl, definitionGroupId: defaultIds.importDefinitionGroupId, execute: true, overwrite: true, legalEntityId: "USMF" });
  return { executionId, blobUrl };
}

/** Every request the gateway sent went to the environment, with the connection's token and the OData headers. */
function expectOnlyEnvironmentRequests(operations: string[]): void {
  expect(sent.map((r) => new URL(r.url).pathname)).toEqual(operations.map(actionPath));
  for (const request of sent) {
    expect(new URL(request.url).origin).toBe(sim.url);
    expect(request).toMatchObject({
      method: "POST",
      headers: { authorization: `Bearer ${token}`, "odata-version": "4.0", "odata-maxversion": "4.0", "content-type": "application/json", accept: "application/json" },
    });
  }
}

describe("the package API through the compiled connector", () => {
  it("imports a package: write URL, plain upload, ImportFromPackage, status; the token never reaches the blob store", async () => {
    const bytes = await dataPackage(["Customers V3"]);
    const writeUrl = await action("GetAzureWriteUrl", { uniqueFileName: "customers-1.zip" });
    // `value` is a JSON text (parsed twice): the documented shape the README's expression relies on.
    const written = JSON.parse((writeUrl.outputs as { value: string }).value) as { BlobId: string; BlobUrl: string };
    expect(written).toEqual({ BlobId: expect.any(String), BlobUrl: expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+\/dmf\//) });
    expect(new URL(written.BlobUrl).origin).not.toBe(sim.url);

    expect((await uploadToBlob(written.BlobUrl, bytes)).status).toBe(201);
    const executionId = await valueOf("ImportFromPackage", {
      packageUrl: written.BlobUrl,
      definitionGroupId: defaultIds.importDefinitionGroupId,
      execute: true,
      overwrite: true,
      legalEntityId: "USMF",
    });
    expect(executionId).toMatch(/\S/);
    expect(await finalStatus(executionId)).toBe("Succeeded");

    expect(JSON.parse(sent[0]!.body)).toEqual({ uniqueFileName: "customers-1.zip" });
    // The hidden execution ID goes out empty, so F&O creates a new execution.
    expect(JSON.parse(sent[1]!.body)).toEqual({
      packageUrl: written.BlobUrl,
      definitionGroupId: defaultIds.importDefinitionGroupId,
      executionId: "",
      execute: true,
      overwrite: true,
      legalEntityId: "USMF",
    });
    expect(JSON.parse(sent[2]!.body)).toEqual({ executionId });
    expectOnlyEnvironmentRequests(["GetAzureWriteUrl", "ImportFromPackage", ...sent.slice(2).map(() => "GetExecutionSummaryStatus")]);
    expect(sim.counters().blobAuthorizationAttempts).toBe(0);
  });

  it("exports a package: ExportToPackage, status, GetExportedPackageUrl, plain download of a zip", async () => {
    const executionId = await valueOf("ExportToPackage", {
      definitionGroupId: defaultIds.exportDefinitionGroupId,
      packageName: "Customers.zip",
      legalEntityId: "USMF",
    });
    expect(JSON.parse(sent[0]!.body)).toEqual({
      definitionGroupId: defaultIds.exportDefinitionGroupId,
      packageName: "Customers.zip",
      executionId: "",
      reExecute: false,
      legalEntityId: "USMF",
    });
    expect(await finalStatus(executionId)).toBe("Succeeded");
    const packageUrl = await valueOf("GetExportedPackageUrl", { executionId });
    expect(new URL(packageUrl).origin).not.toBe(sim.url);
    const download = await downloadFromBlob(packageUrl);
    expect(download.status).toBe(200);
    expect(Buffer.from(await download.arrayBuffer()).subarray(0, 2).toString("latin1")).toBe("PK");

    const pageUrl = await valueOf("GetExecutionSummaryPageUrl", { executionId });
    expect(pageUrl).toContain(executionId);
    expect(JSON.parse(sent.at(-1)!.body)).toEqual({ executionId });
    expectOnlyEnvironmentRequests(sent.map((r) => new URL(r.url).pathname.split(".").at(-1)!));
    expect(sim.counters().blobAuthorizationAttempts).toBe(0);
  });

  it("a partly failed import: its errors, the error keys file (generated, then polled) and the staging error file", async () => {
    const entity = partlyFailingEntity;
    const { executionId } = await importUploaded("partly.zip", [entity]);
    expect(await finalStatus(executionId)).toBe("PartiallySucceeded");
    expect(JSON.parse(await valueOf("GetExecutionErrors", { executionId }))).toEqual([expect.anything()]);

    // Generate answers a JSON boolean, typed as such; the URL is empty until the file is written.
    expect(await valueOf<boolean>("GenerateImportTargetErrorKeysFile", { executionId, entityName: entity })).toBe(true);
    const polls: string[] = [];
    while (polls.at(-1) !== undefined ? polls.at(-1) === "" : true) {
      if (polls.length > 100) throw new Error("the error keys file never appeared");
      polls.push(await valueOf("GetImportTargetErrorKeysFileUrl", { executionId, entityName: entity }));
      if (polls.at(-1) === "") clock.advance(1_000);
    }
    expect(polls[0]).toBe("");
    const keys = await downloadFromBlob(polls.at(-1)!);
    expect(keys.status).toBe(200);
    expect(await keys.text()).toContain("BAD-1");

    const stagingUrl = await valueOf("GetImportStagingErrorFileUrl", { executionId, entityName: entity });
    const staging = await downloadFromBlob(stagingUrl);
    expect(staging.status).toBe(200);
    expect(await staging.text()).toContain("x,");

    const entityRequests = sent.filter((r) => /ErrorKeysFile|StagingErrorFile/.test(r.url));
    for (const request of entityRequests) expect(JSON.parse(request.body)).toEqual({ executionId, entityName: entity });
    expectOnlyEnvironmentRequests(sent.map((r) => new URL(r.url).pathname.split(".").at(-1)!));
    expect(sim.counters().blobAuthorizationAttempts).toBe(0);
  });

  it("a successful import has no error keys: Generate answers false and the staging error file URL is empty", async () => {
    const { executionId } = await importUploaded("clean.zip", ["Customers V3"]);
    expect(await finalStatus(executionId)).toBe("Succeeded");
    expect(await valueOf<boolean>("GenerateImportTargetErrorKeysFile", { executionId, entityName: "Customers V3" })).toBe(false);
    expect(await valueOf("GetImportTargetErrorKeysFileUrl", { executionId, entityName: "Customers V3" })).toBe("");
    expect(await valueOf("GetImportStagingErrorFileUrl", { executionId, entityName: "Customers V3" })).toBe("");
  });

  it("the blob store's counter can fail: a PUT that carries the token is refused and counted", async () => {
    const written = JSON.parse(await valueOf("GetAzureWriteUrl", { uniqueFileName: "with-token.zip" })) as { BlobUrl: string };
    const before = sim.counters().blobAuthorizationAttempts;
    const response = await fetch(written.BlobUrl, { method: "PUT", headers: { "x-ms-blob-type": "BlockBlob", authorization: `Bearer ${token}` }, body: "x" });
    expect(response.status).toBeGreaterThanOrEqual(400);
    expect(sim.counters().blobAuthorizationAttempts).toBe(before + 1);
  });

  it("ImportFromPackage with an unknown data project rejects with F&O's status and error text", async () => {
    const error = await action("ImportFromPackage", {
      packageUrl: "https://example.invalid/dmf/none.zip",
      definitionGroupId: "No such project",
      execute: true,
      overwrite: true,
      legalEntityId: "USMF",
    }).catch((err: unknown) => err);
    expect(error).toBeInstanceOf(ResponseError);
    const { status, message } = error as ResponseError;
    expect(status).toBe(400);
    expect(message).toMatch(/^operation ImportFromPackage failed with HTTP 400: .*No such project/);
  });

  it("ExportToPackage with an unknown data project answers an execution ID; following it rejects with F&O's status and text", async () => {
    // F&O does not check the name here (MicrosoftDocs issue #1030); the status call is where it shows.
    const executionId = await valueOf("ExportToPackage", { definitionGroupId: "No such project", packageName: "x.zip", legalEntityId: "USMF" });
    const error = await action("GetExecutionSummaryStatus", { executionId }).catch((err: unknown) => err);
    expect(error).toBeInstanceOf(ResponseError);
    const { status, odata, message } = error as ResponseError;
    expect(status).toBe(500);
    expect(odata?.innerMessage ?? odata?.message).toContain(`Execution details were not found for execution id: ${executionId}`);
    expect(message).toMatch(/^operation GetExecutionSummaryStatus failed with HTTP 500: /);
  });
});

describe("where the package actions send the connection's token", () => {
  const instances = (pkg.properties.properties as { policyTemplateInstances: { templateId: string; parameters: Record<string, unknown> }[] }).policyTemplateInstances;
  const scoped = (templateId: string, title?: string) =>
    instances
      .filter((i) => i.templateId === templateId && (title === undefined || (i as { title?: string }).title === title))
      .flatMap((i) => i.parameters["x-ms-apimTemplate-operationName"] as string[]);
  const packageActions = [
    "GetAzureWriteUrl",
    "ImportFromPackage",
    "ExportToPackage",
    "GetExportedPackageUrl",
    "GenerateImportTargetErrorKeysFile",
    "GetImportTargetErrorKeysFileUrl",
    "GetImportStagingErrorFileUrl",
    "GetExecutionSummaryPageUrl",
  ];

  it("every operation of the connector takes its host from the connection (none falls back to the definition's host)", () => {
    const operations = Object.values(pkg.definition.paths as Record<string, Record<string, { operationId: string }>>).flatMap((item) => Object.values(item).map((o) => o.operationId));
    expect(new Set(scoped("dynamichosturl"))).toEqual(new Set(operations));
  });

  it("every package action sends the OData headers and asks for JSON", () => {
    for (const title of ["OData-Version", "OData-MaxVersion", "JSON Content-Type", "Accept JSON"]) expect(scoped("setheader", title)).toEqual(expect.arrayContaining(packageActions));
  });

  it("no action's path names a blob, and every host template starts with the connection's URL", () => {
    const paths = Object.keys(pkg.definition.paths as object);
    expect(paths.filter((p) => /blob/i.test(p))).toEqual([]);
    const urlTemplates = instances.filter((i) => i.templateId === "dynamichosturl").map((i) => String(i.parameters["x-ms-apimTemplateParameter.urlTemplate"]));
    for (const template of urlTemplates) expect(template).toMatch(/^@connectionParameters\('token:resourceUri'\)(\/|$)/);
  });
});
