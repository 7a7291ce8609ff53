import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { SimulatedClock, startSimulator, type Simulator } from "../../src/simulator/index.ts";
import { START, actionPath, call, sha256, start, token } from "./support.ts";

/** A write SAS URL from GetAzureWriteUrl, parsed twice. */
async function writeUrl(simulator: Simulator, uniqueFileName = "blob-1"): Promise<string> {
  const response = await call(simulator, await token(simulator), actionPath("GetAzureWriteUrl"), { json: { uniqueFileName } });
  expect(response.status).toBe(200);
  return (JSON.parse(((await response.json()) as { value: string }).value) as { BlobUrl: string }).BlobUrl;
}

function put(url: string, body: string | Buffer, headers: Record<string, string> = { "x-ms-blob-type": "BlockBlob" }): Promise<Response> {
  return fetch(url, { method: "PUT", headers, body });
}

/** Azure's XML error: the code, and the text of an extra element if asked. */
async function azureError(response: Response, element?: string): Promise<{ code: string; detail: string | undefined }> {
  expect(response.headers.get("content-type")).toBe("application/xml");
  const xml = await response.text();
  expect(xml.startsWith('<?xml version="1.0" encoding="utf-8"?><Error><Code>')).toBe(true);
  const code = /<Code>([^<]*)<\/Code>/.exec(xml)![1]!;
  expect(response.headers.get("x-ms-error-code")).toBe(code);
  return { code, detail: element ? new RegExp(`<${element}>([^<]*)</${element}>`).exec(xml)?.[1] : undefined };
}

describe("blob store: Put Blob and Get Blob by SAS", () => {
  it("stores a PUT with x-ms-blob-type: BlockBlob (201, ETag) and serves it back with Content-Length and ETag", async () => {
    const simulator = await start();
    const url = await writeUrl(simulator);
    const bytes = Buffer.from("PK fake package bytes");
    const stored = await put(url, bytes);
    expect(stored.status).toBe(201);
    const etag = stored.headers.get("etag");
    expect(etag).toMatch(/^"0x[0-9A-F]+"$/);
    // The write SAS (sp=rw) also reads.
    const read = await fetch(url);
    expect(read.status).toBe(200);
    expect(read.headers.get("etag")).toBe(etag);
    expect(read.headers.get("content-length")).toBe(String(bytes.length));
    expect(read.headers.get("x-ms-blob-type")).toBe("BlockBlob");
    expect(Buffer.from(await read.arrayBuffer())).toEqual(bytes);
    expect(simulator.blobs()).toEqual([expect.objectContaining({ name: "blob-1", kind: "upload", size: bytes.length, sha256: sha256(bytes) })]);
    expect(simulator.counters()).toMatchObject({ blobUploads: 1, blobDownloads: 1, blobAuthorizationAttempts: 0 });
  });

  it("honours one `bytes=N-` range with 206 and Content-Range, and If-Range against the ETag", async () => {
    const simulator = await start();
    const url = await writeUrl(simulator);
    const etag = (await put(url, "0123456789")).headers.get("etag")!;
    const part = await fetch(url, { headers: { range: "bytes=4-" } });
    expect(part.status).toBe(206);
    expect(part.headers.get("content-range")).toBe("bytes 4-9/10");
    expect(await part.text()).toBe("456789");
    expect((await fetch(url, { headers: { range: "bytes=4-", "if-range": etag } })).status).toBe(206);
    const changed = await fetch(url, { headers: { range: "bytes=4-", "if-range": '"0xOTHER"' } });
    expect(changed.status).toBe(200);
    expect(await changed.text()).toBe("0123456789");
  });

  it("answers 400 MissingRequiredHeader without x-ms-blob-type, 400 InvalidHeaderValue for another type; nothing stored", async () => {
    const simulator = await start();
    const url = await writeUrl(simulator);
    const missing = await put(url, "x", {});
    expect(missing.status).toBe(400);
    expect(await azureError(missing, "HeaderName")).toEqual({ code: "MissingRequiredHeader", detail: "x-ms-blob-type" });
    const wrong = await put(url, "x", { "x-ms-blob-type": "AppendBlob" });
    expect(wrong.status).toBe(400);
    expect(await azureError(wrong, "HeaderValue")).toEqual({ code: "InvalidHeaderValue", detail: "AppendBlob" });
    expect(simulator.blobs()).toEqual([]);
  });

  it("refuses an expired SAS with 403 AuthenticationFailed once the simulated clock passes `se`", async () => {
    const simulator = await start({ packageApi: { writeUrlLifetimeSeconds: 60 } });
    const url = await writeUrl(simulator);
    expect(new URL(url).searchParams.get("se")).toBe(new Date(START + 60_000).toISOString().replace(".000Z", "Z"));
    simulator.clock.advance(59_999);
    expect((await put(url, "in time")).status).toBe(201);
    simulator.clock.advance(1);
    const late = await put(url, "too late");
    expect(late.status).toBe(403);
    const { code, detail } = await azureError(late, "AuthenticationErrorDetail");
    expect(code).toBe("AuthenticationFailed");
    expect(detail).toMatch(/^Signed expiry time \[.*\] must be after signed start time \[.*\]$/);
    expect(simulator.blobs()[0]!.sha256).toBe(sha256(Buffer.from("in time")));
  });

  it("refuses a tampered SAS (403 Signature did not match), a read SAS for PUT (403), and no SAS at all (404)", async () => {
    const simulator = await start();
    const url = new URL(await writeUrl(simulator));
    const longer = new URL(url);
    longer.searchParams.set("se", "2099-01-01T00:00:00Z");
    const tampered = await put(longer.href, "x");
    expect(tampered.status).toBe(403);
    expect(await azureError(tampered, "AuthenticationErrorDetail")).toEqual({ code: "AuthenticationFailed", detail: "Signature did not match." });
    const otherBlob = new URL(url);
    otherBlob.pathname = "/dmf/another-blob";
    expect((await put(otherBlob.href, "x")).status).toBe(403);
    const bare = await put(`${url.origin}${url.pathname}`, "x");
    expect(bare.status).toBe(404);
    expect((await azureError(bare)).code).toBe("ResourceNotFound");

    // An export's read SAS (sp=r) cannot write.
    const bearer = await token(simulator);
    await call(simulator, bearer, actionPath("ExportToPackage"), { json: { definitionGroupId: "Simulator export", packageName: "p", executionId: "E", reExecute: false, legalEntityId: "USMF" } });
    simulator.clock.advance(5000);
    const readUrl = ((await (await call(simulator, bearer, actionPath("GetExportedPackageUrl"), { json: { executionId: "E" } })).json()) as { value: string }).value;
    expect(new URL(readUrl).searchParams.get("sp")).toBe("r");
    const denied = await put(readUrl, "overwrite");
    expect(denied.status).toBe(403);
    expect((await azureError(denied)).code).toBe("AuthorizationPermissionMismatch");
  });

  it("refuses and counts every request that carries an Authorization header, even with a valid SAS", async () => {
    const simulator = await start();
    const bearer = await token(simulator);
    const url = await writeUrl(simulator);
    const withToken = await put(url, "x", { "x-ms-blob-type": "BlockBlob", authorization: `Bearer ${bearer}` });
    expect(withToken.status).toBe(403);
    expect((await azureError(withToken)).code).toBe("AuthenticationFailed");
    expect((await fetch(url, { headers: { authorization: "Bearer anything" } })).status).toBe(403);
    expect(simulator.blobStore.authorizationAttempts()).toBe(2);
    expect(simulator.counters().blobAuthorizationAttempts).toBe(2);
    expect(simulator.blobs()).toEqual([]);
  });

  it("answers 413 RequestBodyTooLarge above maxBlobBytes", async () => {
    const simulator = await start({ packageApi: { maxBlobBytes: 10 } });
    const url = await writeUrl(simulator);
    const tooLarge = await put(url, "x".repeat(11));
    expect(tooLarge.status).toBe(413);
    expect((await azureError(tooLarge)).code).toBe("RequestBodyTooLarge");
    expect((await put(url, "x".repeat(10))).status).toBe(201);
  });

  it("by default takes what one Put Blob takes at its SAS version (sv=2014-02-14: 64 MiB), and 413 above", async () => {
    const simulator = await start();
    const url = await writeUrl(simulator);
    expect(new URL(url).searchParams.get("sv")).toBe("2014-02-14");
    const tooLarge = await put(url, Buffer.alloc(64 * 1024 * 1024 + 1));
    expect(tooLarge.status).toBe(413);
    expect(await azureError(tooLarge, "MaxLimit")).toEqual({ code: "RequestBodyTooLarge", detail: String(64 * 1024 * 1024) });
    expect(simulator.blobs()).toEqual([]);
  });

  it("lives on its own origin and closes with the simulator", async () => {
    // Started here rather than with start(), which would close it a second time after the test.
    const simulator = await startSimulator({ clock: new SimulatedClock({ frozen: true, start: START }) });
    const origin = simulator.connection.blobUrl;
    expect(new URL(origin).hostname).toBe("127.0.0.1");
    expect(new URL(origin).port).not.toBe(String(simulator.port));
    // The environment's origin has no blob routes, the blob origin no F&O or admin routes.
    expect((await fetch(`${simulator.url}/dmf/blob-1`)).status).toBe(404);
    expect((await fetch(`${origin}/_admin/counters`)).status).toBe(404);
    await simulator.close();
    await expect(fetch(`${origin}/dmf/blob-1`)).rejects.toThrow();
  });
});

/** Put Block: `?comp=block&blockid=<base64>` appended to the SAS URL. */
function putBlock(url: string, id: string, body: string | Buffer, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(`${url}&comp=block&blockid=${encodeURIComponent(id)}`, { method: "PUT", headers, body });
}

/** Put Block List with these entries, e.g. [["Latest", id]]. */
function putBlockList(url: string, entries: Array<["Latest" | "Committed" | "Uncommitted", string]>, headers: Record<string, string> = {}): Promise<Response> {
  const xml = `<?xml version="1.0" encoding="utf-8"?><BlockList>${entries.map(([list, id]) => `<${list}>${id}</${list}>`).join("")}</BlockList>`;
  return fetch(`${url}&comp=blocklist`, { method: "PUT", headers, body: xml });
}

const id = (n: number) => Buffer.from(String(n).padStart(6, "0")).toString("base64");

describe("blob store: Put Block and Put Block List by SAS", () => {
  it("keeps blocks uncommitted (GET 404) until Put Block List writes the blob from them in the list's order", async () => {
    const simulator = await start();
    const url = await writeUrl(simulator);
    const first = await putBlock(url, id(0), "Hello, ");
    expect(first.status).toBe(201);
    expect(first.headers.get("content-md5")).toBe(createHash("md5").update("Hello, ").digest("base64"));
    expect((await putBlock(url, id(1), "world")).status).toBe(201);
    expect((await fetch(url)).status).toBe(404);
    expect(simulator.blobs()).toEqual([]);
    const committed = await putBlockList(url, [["Latest", id(1)], ["Uncommitted", id(0)]]);
    expect(committed.status).toBe(201);
    expect(committed.headers.get("etag")).toMatch(/^"0x[0-9A-F]+"$/);
    expect(await (await fetch(url)).text()).toBe("worldHello, ");
    expect(simulator.blobs()).toEqual([expect.objectContaining({ name: "blob-1", kind: "upload", sha256: sha256(Buffer.from("worldHello, ")) })]);
    const counters = simulator.counters();
    expect(counters.blobUploads).toBe(1);
    expect(counters.responses.blobPutBlock).toEqual({ "201": 2 });
    expect(counters.responses.blobPutBlockList).toEqual({ "201": 1 });
  });

  it("a block put again under the same ID replaces it, and the same list sent again commits the same blob (Latest finds committed blocks)", async () => {
    const simulator = await start();
    const url = await writeUrl(simulator);
    await putBlock(url, id(0), "first try");
    await putBlock(url, id(0), "AB");
    await putBlock(url, id(1), "CD");
    const list: Array<["Latest", string]> = [["Latest", id(0)], ["Latest", id(1)]];
    expect((await putBlockList(url, list)).status).toBe(201);
    expect((await putBlockList(url, list)).status).toBe(201);
    expect(await (await fetch(url)).text()).toBe("ABCD");
    // Committed blocks are only in the committed list now.
    const uncommitted = await putBlockList(url, [["Uncommitted", id(0)]]);
    expect(uncommitted.status).toBe(400);
    expect((await azureError(uncommitted)).code).toBe("InvalidBlockList");
    expect((await putBlockList(url, [["Committed", id(1)]])).status).toBe(201);
    expect(await (await fetch(url)).text()).toBe("CD");
  });

  it("answers 400 InvalidBlockList for a block it does not hold, and writes nothing", async () => {
    const simulator = await start();
    const url = await writeUrl(simulator);
    await putBlock(url, id(0), "AB");
    const unknown = await putBlockList(url, [["Latest", id(0)], ["Latest", id(7)]]);
    expect(unknown.status).toBe(400);
    expect((await azureError(unknown)).code).toBe("InvalidBlockList");
    expect(simulator.blobs()).toEqual([]);
    expect(simulator.counters().blobUploads).toBe(0);
  });

  it("checks block IDs: required, base64 of at most 64 bytes, all of one length per blob; a list must be XML", async () => {
    const simulator = await start();
    const url = await writeUrl(simulator);
    const missing = await fetch(`${url}&comp=block`, { method: "PUT", body: "x" });
    expect(missing.status).toBe(400);
    expect(await azureError(missing, "QueryParameterName")).toEqual({ code: "MissingRequiredQueryParameter", detail: "blockid" });
    for (const bad of ["not base64!", Buffer.alloc(65, 1).toString("base64"), ""]) {
      const refused = await putBlock(url, bad, "x");
      expect(refused.status).toBe(400);
      expect(await azureError(refused, "QueryParameterName")).toEqual({ code: "InvalidQueryParameterValue", detail: "blockid" });
    }
    expect((await putBlock(url, id(0), "x")).status).toBe(201);
    const longer = await putBlock(url, Buffer.from("0000001").toString("base64"), "x");
    expect(longer.status).toBe(400);
    expect((await azureError(longer)).code).toBe("InvalidBlobOrBlock");
    const notXml = await fetch(`${url}&comp=blocklist`, { method: "PUT", body: "<BlockList><Latest>" });
    expect(notXml.status).toBe(400);
    expect((await azureError(notXml)).code).toBe("InvalidXmlDocument");
    const otherComp = await fetch(`${url}&comp=appendblock`, { method: "PUT", headers: { "x-ms-blob-type": "BlockBlob" }, body: "x" });
    expect(otherComp.status).toBe(400);
    expect(await azureError(otherComp, "QueryParameterName")).toEqual({ code: "InvalidQueryParameterValue", detail: "comp" });
  });

  it("by default takes a block of what Put Block takes at sv=2014-02-14 (4 MiB), and 413 above; maxBlockBytes lowers it", async () => {
    const simulator = await start();
    const url = await writeUrl(simulator);
    const tooLarge = await putBlock(url, id(0), Buffer.alloc(4 * 1024 * 1024 + 1));
    expect(tooLarge.status).toBe(413);
    expect(await azureError(tooLarge, "MaxLimit")).toEqual({ code: "RequestBodyTooLarge", detail: String(4 * 1024 * 1024) });
    expect((await putBlock(url, id(0), Buffer.alloc(4 * 1024 * 1024))).status).toBe(201);
    const small = await start({ packageApi: { maxBlockBytes: 10 } });
    const smallUrl = await writeUrl(small);
    expect((await putBlock(smallUrl, id(0), "x".repeat(11))).status).toBe(413);
    expect((await putBlock(smallUrl, id(0), "x".repeat(10))).status).toBe(201);
  });

  it("applies the SAS rules of Put Blob: expiry, signature, a read SAS, and a bearer token refused and counted", async () => {
    const simulator = await start({ packageApi: { writeUrlLifetimeSeconds: 60 } });
    const url = await writeUrl(simulator);
    expect((await putBlock(url, id(0), "AB")).status).toBe(201);
    const withToken = await putBlock(url, id(1), "CD", { authorization: `Bearer ${await token(simulator)}` });
    expect(withToken.status).toBe(403);
    expect((await putBlockList(url, [["Latest", id(0)]], { authorization: "Bearer x" })).status).toBe(403);
    expect(simulator.counters().blobAuthorizationAttempts).toBe(2);
    const tampered = new URL(url);
    tampered.searchParams.set("se", "2099-01-01T00:00:00Z");
    expect(await azureError(await putBlock(tampered.href, id(1), "CD"), "AuthenticationErrorDetail")).toEqual({ code: "AuthenticationFailed", detail: "Signature did not match." });
    simulator.clock.advance(60_000);
    const late = await putBlockList(url, [["Latest", id(0)]]);
    expect(late.status).toBe(403);
    expect((await azureError(late, "AuthenticationErrorDetail")).detail).toMatch(/^Signed expiry time/);
    expect(simulator.blobs()).toEqual([]);
  });

  it("Put Blob replaces a blob written from blocks and drops its blocks", async () => {
    const simulator = await start();
    const url = await writeUrl(simulator);
    await putBlock(url, id(0), "AB");
    await putBlockList(url, [["Latest", id(0)]]);
    expect(await (await fetch(url)).text()).toBe("AB");
    expect((await put(url, "whole")).status).toBe(201);
    expect(await (await fetch(url)).text()).toBe("whole");
    expect((await azureError(await putBlockList(url, [["Latest", id(0)]]))).code).toBe("InvalidBlockList");
  });
});

describe("faults on the blob endpoints, by name", () => {
  it("a status fault on blobPut answers Azure's XML error and stores nothing; a truncate fault on blobGet cuts the body", async () => {
    const simulator = await start({
      faults: {
        rules: [
          { kind: "status", endpoint: "blobPut", status: 503, times: 1, retryAfter: 2 },
          { kind: "truncate", endpoint: "blobGet", afterBytes: 3, times: 1 },
        ],
      },
    });
    const url = await writeUrl(simulator);
    const busy = await put(url, "0123456789");
    expect(busy.status).toBe(503);
    expect(busy.headers.get("retry-after")).toBe("2");
    expect((await azureError(busy)).code).toBe("ServerBusy");
    expect(simulator.blobs()).toEqual([]);
    expect((await put(url, "0123456789")).status).toBe(201);
    await expect(fetch(url).then((response) => response.arrayBuffer())).rejects.toThrow();
    expect(await (await fetch(url)).text()).toBe("0123456789");
    const counters = simulator.counters();
    expect(counters.responses.blobPut).toEqual({ "201": 1, "503": 1 });
    expect(counters.faultsInjected).toBe(2);
    expect(counters.blobDownloads).toBe(1);
  });

  it("status faults on blobPutBlock and blobPutBlockList answer Azure's XML error and change nothing", async () => {
    const simulator = await start({
      faults: {
        rules: [
          { kind: "status", endpoint: "blobPutBlock", status: 500, times: 1 },
          { kind: "status", endpoint: "blobPutBlockList", status: 503, times: 1 },
        ],
      },
    });
    const url = await writeUrl(simulator);
    expect((await putBlock(url, id(0), "AB")).status).toBe(500);
    expect((await putBlockList(url, [["Latest", id(0)]])).status).toBe(503);
    // The faulted block was not kept: the list naming it is invalid until it is put again.
    expect((await putBlockList(url, [["Latest", id(0)]])).status).toBe(400);
    expect((await putBlock(url, id(0), "AB")).status).toBe(201);
    expect((await putBlockList(url, [["Latest", id(0)]])).status).toBe(201);
    const counters = simulator.counters();
    expect(counters.responses.blobPutBlock).toEqual({ "500": 1, "201": 1 });
    expect(counters.responses.blobPutBlockList).toEqual({ "503": 1, "400": 1, "201": 1 });
    expect(counters.faultsInjected).toBe(2);
  });

  it("the default throttle leaves the blob store alone; naming blobGet throttles it", async () => {
    const simulator = await start({ faults: { throttle: { ratePerSecond: 1, burst: 1 } } });
    const url = await writeUrl(simulator);
    expect((await put(url, "x")).status).toBe(201);
    expect((await fetch(url)).status).toBe(200);
    simulator.setFaults({ throttle: { ratePerSecond: 1, burst: 1, endpoints: ["blobGet"] } });
    expect((await fetch(url)).status).toBe(200);
    const throttled = await fetch(url);
    expect(throttled.status).toBe(429);
    expect((await azureError(throttled)).code).toBe("ServerBusy");
  });
});

describe("admin API for the package API", () => {
  it("lists executions, import calls and blobs", async () => {
    const simulator = await start();
    const url = await writeUrl(simulator);
    await put(url, "not a zip");
    const bearer = await token(simulator);
    await call(simulator, bearer, actionPath("ImportFromPackage"), {
      json: { packageUrl: url, definitionGroupId: "Simulator import", executionId: "I-1", execute: true, overwrite: false, legalEntityId: "USMF" },
    });
    const get = async (path: string) => (await fetch(`${simulator.url}/_admin${path}`)).json();
    expect(await get("/package/executions")).toEqual([expect.objectContaining({ executionId: "I-1", status: "NotRun", direction: "import", packageSha256: sha256(Buffer.from("not a zip")) })]);
    expect(await get("/package/import-calls")).toEqual([expect.objectContaining({ executionId: "I-1", overlapped: false })]);
    expect(await get("/blobs")).toEqual([expect.objectContaining({ name: "blob-1", kind: "upload" })]);
  });
});
