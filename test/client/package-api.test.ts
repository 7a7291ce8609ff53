/**
 * The data management package API through the typed client, against a scripted server: request shapes, the
 * second parse of GetAzureWriteUrl, the nested `value` the docs show, which actions are retried, and that blob
 * transfers never carry the F&O token. test/workflows/package-*.test.ts run the same actions against the simulator.
 */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import type { AccessToken, TokenCredential } from "@azure/core-auth";
import { FnoClient, FnoError, type DownloadSink } from "../../src/client/index.ts";

const env = "https://contoso.operations.dynamics.com";
const action = (name: string) => `${env}/data/DataManagementDefinitionGroups/Microsoft.Dynamics.DataEntities.${name}`;
const sas = "https://contosoblob.blob.core.windows.net/dmf/pkg.zip?sv=2020-04-08&sig=c2lnbmF0dXJl";

function scripted(answers: Array<Response | Error | ((request: Request) => Response | Promise<Response>)>) {
  const requests: { method: string; url: string; headers: Headers; body: string }[] = [];
  const fetch = async (request: Request): Promise<Response> => {
    requests.push({ method: request.method, url: request.url, headers: request.headers, body: request.body ? await request.text() : "" });
    const next = answers.shift();
    if (next === undefined) throw new Error(`unexpected request ${request.method} ${request.url}`);
    if (next instanceof Error) throw next;
    return typeof next === "function" ? next(request) : next;
  };
  return { requests, fetch };
}

const credential: TokenCredential = { getToken: async (): Promise<AccessToken> => ({ token: "fno-token", expiresOnTimestamp: Date.now() + 3_600_000 }) };

function client(fetch: (r: Request) => Promise<Response>): FnoClient {
  let clock = Date.parse("2026-11-21T09:00:00Z");
  return new FnoClient({ environmentUrl: env, credential, fetch, random: () => 0.5, now: () => clock, sleep: async (ms) => void (clock += ms) });
}

const odata = (value: unknown, status = 200) => new Response(JSON.stringify({ "@odata.context": `${env}/data/$metadata#Edm.String`, value }), { status, headers: { "content-type": "application/json" } });
/** The error a call rejects with (the test fails if it resolves). */
async function failure<E extends Error = Error>(call: Promise<unknown>): Promise<E> {
  return call.then(
    () => expect.unreachable("the call should have failed"),
    (e: unknown) => e as E,
  );
}

const reset = () => Object.assign(new TypeError("fetch failed"), { cause: Object.assign(new Error("socket hang up"), { code: "ECONNRESET" }) });

describe("package API actions", () => {
  it("GetAzureWriteUrl parses the JSON text inside value a second time", async () => {
    const server = scripted([odata(JSON.stringify({ BlobId: "{5ACD8121-D4E1-4CF8-B31F-9713DE3E3627}", BlobUrl: sas }))]);
    expect(await client(server.fetch).getAzureWriteUrl("upload-1.zip")).toEqual({ blobId: "{5ACD8121-D4E1-4CF8-B31F-9713DE3E3627}", blobUrl: sas });
    expect(server.requests[0]).toMatchObject({ method: "POST", url: action("GetAzureWriteUrl"), body: JSON.stringify({ uniqueFileName: "upload-1.zip" }) });
    expect(server.requests[0]!.headers.get("authorization")).toBe("Bearer fno-token");
  });

  it("GetAzureWriteUrl with a value that is not the documented JSON names the action and leaks no URL", async () => {
    for (const value of ["not json", JSON.stringify({ BlobId: "x" }), JSON.stringify({ BlobUrl: "ftp://x" })]) {
      const error = await failure(client(scripted([odata(value)]).fetch).getAzureWriteUrl("u"));
      expect(error).toBeInstanceOf(Error);
      expect(error.message).toMatch(/^GetAzureWriteUrl: /);
    }
    const bad = await failure(client(scripted([odata(`{"BlobUrl":"${sas}"`)]).fetch).getAzureWriteUrl("u"));
    expect(bad.message).not.toContain("sig=");
  });

  it("ImportFromPackage and ExportToPackage send the documented bodies; ExportToPackage's nested value is unwrapped", async () => {
    const server = scripted([odata("exec-1"), odata({ value: "exec-2" }), odata("https://blob/x?sig=s"), odata({ value: "https://blob/y?sig=s" })]);
    const c = client(server.fetch);
    const importBody = { packageUrl: sas, definitionGroupId: "CustGroups", executionId: "exec-1", execute: true, overwrite: false, legalEntityId: "USMF" };
    expect(await c.importFromPackage(importBody)).toBe("exec-1");
    const exportBody = { definitionGroupId: "CustGroupsExport", packageName: "p", executionId: "exec-2", reExecute: false, legalEntityId: "USMF" };
    expect(await c.exportToPackage(exportBody)).toBe("exec-2");
    expect(await c.getExportedPackageUrl("exec-2")).toBe("https://blob/x?sig=s");
    expect(await c.getExportedPackageUrl("exec-2")).toBe("https://blob/y?sig=s");
    expect(JSON.parse(server.requests[0]!.body)).toEqual(importBody);
    expect(JSON.parse(server.requests[1]!.body)).toEqual(exportBody);
    expect(server.requests.map((r) => r.url)).toEqual([action("ImportFromPackage"), action("ExportToPackage"), action("GetExportedPackageUrl"), action("GetExportedPackageUrl")]);
  });

  it("the error-file actions and the summary page link", async () => {
    const server = scripted([odata(true), odata("false"), odata(""), odata("https://blob/keys.csv?sig=s"), odata(""), odata(`${env}/?mi=DMFExecutionSummary&id=e`)]);
    const c = client(server.fetch);
    expect(await c.generateImportTargetErrorKeysFile("e", "Customer groups")).toBe(true);
    expect(await c.generateImportTargetErrorKeysFile("e", "Customer groups")).toBe(false);
    expect(await c.getImportTargetErrorKeysFileUrl("e", "Customer groups")).toBe("");
    expect(await c.getImportTargetErrorKeysFileUrl("e", "Customer groups")).toBe("https://blob/keys.csv?sig=s");
    expect(await c.getImportStagingErrorFileUrl("e", "Customer groups")).toBe("");
    expect(await c.getExecutionSummaryPageUrl("e")).toBe(`${env}/?mi=DMFExecutionSummary&id=e`);
    expect(JSON.parse(server.requests[0]!.body)).toEqual({ executionId: "e", entityName: "Customer groups" });
    expect(JSON.parse(server.requests[5]!.body)).toEqual({ executionId: "e" });
  });

  it("never re-sends ImportFromPackage or ExportToPackage after a reset or a 502, but does after a 503", async () => {
    for (const call of [
      (c: FnoClient) => c.importFromPackage({ packageUrl: sas, definitionGroupId: "G", executionId: "e", execute: true, overwrite: false, legalEntityId: "" }),
      (c: FnoClient) => c.exportToPackage({ definitionGroupId: "G", packageName: "p", executionId: "e", reExecute: false, legalEntityId: "" }),
    ]) {
      const afterReset = scripted([reset(), odata("e")]);
      await expect(call(client(afterReset.fetch))).rejects.toBeInstanceOf(FnoError);
      expect(afterReset.requests).toHaveLength(1);
      const after502 = scripted([odata("", 502), odata("e")]);
      await expect(call(client(after502.fetch))).rejects.toThrow(/HTTP 502/);
      expect(after502.requests).toHaveLength(1);
      const after503 = scripted([odata("", 503), odata("e")]);
      expect(await call(client(after503.fetch))).toBe("e");
      expect(after503.requests).toHaveLength(2);
    }
  });

  it("retries the status and URL getters after a reset", async () => {
    const server = scripted([reset(), odata("")]);
    expect(await client(server.fetch).getExportedPackageUrl("e")).toBe("");
    expect(server.requests).toHaveLength(2);
  });
});

describe("blob transfers", () => {
  const work = mkdtempSync(path.join(tmpdir(), "fno-blob-"));
  const file = path.join(work, "package.zip");
  const content = Buffer.alloc(300_000, 7);
  writeFileSync(file, content);

  it("uploads a block blob without the F&O token, resending the whole file after a reset", async () => {
    const server = scripted([reset(), new Response(null, { status: 201 })]);
    await client(server.fetch).uploadBlob(sas, file);
    expect(server.requests).toHaveLength(2);
    for (const request of server.requests) {
      expect(request).toMatchObject({ method: "PUT", url: sas });
      expect(request.headers.get("x-ms-blob-type")).toBe("BlockBlob");
      expect(request.headers.get("authorization")).toBeNull();
      expect(Buffer.from(request.body, "latin1").length).toBe(content.length);
    }
  });

  it("sends no token even to a blob URL on the environment's own host", async () => {
    const own = `${env}/dmf/pkg.zip?sig=s`;
    const server = scripted([new Response(null, { status: 201 }), new Response("PK", { status: 200, headers: { "content-length": "2" } })]);
    const c = client(server.fetch);
    await c.uploadBlob(own, file);
    const chunks: Uint8Array[] = [];
    const sink: DownloadSink = { write: (chunk) => void chunks.push(chunk.slice()), restart: () => void (chunks.length = 0) };
    await c.downloadBlob(own, sink);
    expect(Buffer.concat(chunks).toString()).toBe("PK");
    expect(server.requests.map((r) => r.headers.get("authorization"))).toEqual([null, null]);
  });

  it("sends no x-ms-version: for a SAS request Azure ignores it and the URL's sv decides", async () => {
    const server = scripted([new Response(null, { status: 201 })]);
    await client(server.fetch).uploadBlob(sas, file);
    expect(server.requests[0]!.headers.get("x-ms-version")).toBeNull();
  });

  it("reports an expired write URL (403) with a hint to ask for a new one, without the signature", async () => {
    const server = scripted([new Response("<Error><Code>AuthenticationFailed</Code></Error>", { status: 403 })]);
    const error = await failure<FnoError>(client(server.fetch).uploadBlob(sas, file));
    expect(error).toBeInstanceOf(FnoError);
    expect(error.status).toBe(403);
    expect(error.message).toMatch(/^BlobUpload failed: HTTP 403.*expired/);
    expect(error.message).not.toContain("sig=");
  });
});
