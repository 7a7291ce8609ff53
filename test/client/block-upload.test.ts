/**
 * uploadBlob in blocks (Put Block, Put Block List) for a file larger than one Put Blob should carry: the plan by the
 * write URL's storage version, the request shapes against a scripted server, one failing block retried alone, the
 * error that names the block, abort; then against the simulator's blob store, through the package import.
 */
import { createHash } from "node:crypto";
import { readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import type { AccessToken, TokenCredential } from "@azure/core-auth";
import { FnoClient, FnoError, LoopbackClientSecretCredential } from "../../src/client/index.ts";
import { BlobBlockError, planUpload, storageLimits, type BlobUploadSettings } from "../../src/client/blob-upload.ts";
import { defaultIds } from "../../src/simulator/index.ts";
import { exitCodeOf } from "../../src/errors/index.ts";
import { importPackage, type ImportStep } from "../../src/workflows/package-import.ts";
import { failure, packageRig, writeDataPackage, type PackageRig } from "../workflows/package-support.ts";
import { quickRetry, tempDir } from "../workflows/support.ts";

const MiB = 1024 * 1024;
const GiB = 1024 * MiB;
const env = "https://contoso.operations.dynamics.com";
const sas = (sv: string) => `https://contosoblob.blob.core.windows.net/dmf/pkg.zip?sv=${sv}&sr=b&sig=c2ln%2BbmF0dXJl&se=2026-11-21T10%3A00%3A00Z&sp=rw`;
const defaults: BlobUploadSettings = { singleUploadMaxBytes: 64 * MiB, blockBytes: 4 * MiB, concurrency: 4 };
const sha256 = (bytes: Buffer) => createHash("sha256").update(bytes).digest("hex");

describe("the upload plan by the write URL's storage version (sv)", () => {
  it("takes Azure's limits per version: Put Blob 64/256/5000 MiB, Put Block 4/100/4000 MiB; no sv is taken as the oldest", () => {
    expect(storageLimits(sas("2014-02-14"))).toEqual({ version: "2014-02-14", putBlobBytes: 64 * MiB, blockBytes: 4 * MiB });
    expect(storageLimits(sas("2016-05-31"))).toEqual({ version: "2016-05-31", putBlobBytes: 256 * MiB, blockBytes: 100 * MiB });
    expect(storageLimits(sas("2019-07-07"))).toEqual({ version: "2019-07-07", putBlobBytes: 256 * MiB, blockBytes: 100 * MiB });
    expect(storageLimits(sas("2019-12-12"))).toEqual({ version: "2019-12-12", putBlobBytes: 5000 * MiB, blockBytes: 4000 * MiB });
    expect(storageLimits("https://h/dmf/p.zip?sig=s")).toEqual({ version: undefined, putBlobBytes: 64 * MiB, blockBytes: 4 * MiB });
  });

  it("sends up to 64 MiB in one Put Blob at every version, more in 4 MiB blocks, larger blocks only to stay within 50,000", () => {
    for (const sv of ["2014-02-14", "2016-05-31", "2019-12-12"]) {
      expect(planUpload(sas(sv), "f", 64 * MiB, defaults)).toEqual({ kind: "single" });
      expect(planUpload(sas(sv), "f", 64 * MiB + 1, defaults)).toEqual({ kind: "blocks", blockBytes: 4 * MiB, count: 17 });
    }
    // The threshold never exceeds what one Put Blob takes at the version.
    expect(planUpload(sas("2014-02-14"), "f", 100 * MiB, { ...defaults, singleUploadMaxBytes: 200 * MiB })).toMatchObject({ kind: "blocks" });
    expect(planUpload(sas("2016-05-31"), "f", 100 * MiB, { ...defaults, singleUploadMaxBytes: 200 * MiB })).toEqual({ kind: "single" });
    // 300 GiB: 50,000 blocks of 4 MiB hold 195 GiB, so blocks grow where the version allows.
    expect(planUpload(sas("2016-05-31"), "f", 300 * GiB, defaults)).toEqual({ kind: "blocks", blockBytes: Math.ceil((300 * GiB) / 50_000), count: 50_000 });
    expect(planUpload(sas("2019-12-12"), "f", 5 * 1024 * GiB, defaults)).toMatchObject({ kind: "blocks", count: 50_000 });
  });

  it("refuses, before sending, a file more than 50,000 of the version's largest blocks hold, naming both", () => {
    const error = (() => {
      try {
        planUpload(sas("2014-02-14"), "/data/huge.zip", 300 * GiB, defaults);
      } catch (err) {
        return err as Error;
      }
      return expect.unreachable("the plan should have been refused");
    })();
    expect(error.message).toBe(
      `BlobUpload: /data/huge.zip is ${300 * GiB} bytes, and a block blob at the write URL's storage version 2014-02-14 holds at most 50000 blocks of 4194304 bytes (4 MiB); split the data into smaller packages`,
    );
    expect(exitCodeOf(error)).toBe(1);
    expect(() => planUpload(sas("2016-05-31"), "f", 5 * 1024 * GiB, defaults)).toThrow(/at most 50000 blocks of 104857600 bytes \(100 MiB\)/);
  });
});

interface Seen {
  method: string;
  url: string;
  headers: Headers;
  body: Buffer;
}

/** A scripted blob server: `answer` decides each request's response (201 by default); every request is kept. */
function blobServer(answer: (request: Seen, index: number) => Response | Error | undefined = () => undefined) {
  const requests: Seen[] = [];
  const fetch = async (request: Request): Promise<Response> => {
    const seen = { method: request.method, url: request.url, headers: request.headers, body: Buffer.from(await request.arrayBuffer()) };
    requests.push(seen);
    const reply = answer(seen, requests.length - 1);
    if (reply instanceof Error) throw reply;
    return reply ?? new Response(null, { status: 201 });
  };
  return { requests, fetch };
}

const credential: TokenCredential = { getToken: async (): Promise<AccessToken> => ({ token: "fno-token", expiresOnTimestamp: Date.now() + 3_600_000 }) };

function scriptedClient(fetch: (r: Request) => Promise<Response>, blobUpload: Partial<BlobUploadSettings>): FnoClient {
  let clock = Date.parse("2026-11-21T09:00:00Z");
  return new FnoClient({ environmentUrl: env, credential, fetch, blobUpload, random: () => 0.5, now: () => clock, sleep: async (ms) => void (clock += ms) });
}

const reset = () => Object.assign(new TypeError("fetch failed"), { cause: Object.assign(new Error("socket hang up"), { code: "ECONNRESET" }) });
const blockIdOf = (url: string) => new URL(url).searchParams.get("blockid");
const compOf = (url: string) => new URL(url).searchParams.get("comp");

describe("block uploads against a scripted server", () => {
  const file = path.join(tempDir("fno-blocks-"), "package.zip");
  const content = Buffer.from(Array.from({ length: 2500 }, (_, i) => i % 251));
  writeFileSync(file, content);
  const small = { singleUploadMaxBytes: 1000, blockBytes: 1000, concurrency: 2 };

  it("puts each block from the file under same-length base64 IDs, then commits them in order with Put Block List; no token, no x-ms-version", async () => {
    const server = blobServer();
    await scriptedClient(server.fetch, small).uploadBlob(sas("2014-02-14"), file);
    const blocks = server.requests.filter((r) => compOf(r.url) === "block");
    expect(blocks).toHaveLength(3);
    const ids = blocks.map((r) => blockIdOf(r.url)!);
    expect(new Set(ids.map((id) => id.length))).toEqual(new Set([ids[0]!.length]));
    expect(new Set(ids).size).toBe(3);
    for (const id of ids) expect(Buffer.from(id, "base64").toString("base64")).toBe(id);
    // The SAS query is kept as F&O wrote it, with the block's parameters after it.
    for (const r of blocks) expect(r.url.startsWith(`${sas("2014-02-14")}&comp=block&blockid=`)).toBe(true);
    const byId = new Map(blocks.map((r) => [blockIdOf(r.url)!, r.body]));

    const commit = server.requests.at(-1)!;
    expect(server.requests).toHaveLength(4);
    expect(commit).toMatchObject({ method: "PUT", url: `${sas("2014-02-14")}&comp=blocklist` });
    const listed = [...commit.body.toString().matchAll(/<Latest>([^<]+)<\/Latest>/g)].map((m) => m[1]!);
    expect(commit.body.toString()).toMatch(/^<\?xml version="1.0" encoding="utf-8"\?><BlockList>(<Latest>[^<]+<\/Latest>){3}<\/BlockList>$/);
    expect(Buffer.concat(listed.map((id) => byId.get(id)!))).toEqual(content);
    expect(listed.map((id) => byId.get(id)!.length)).toEqual([1000, 1000, 500]);
    for (const r of server.requests) {
      expect(r.method).toBe("PUT");
      expect(r.headers.get("authorization")).toBeNull();
      expect(r.headers.get("x-ms-version")).toBeNull();
    }
  });

  it("a file up to singleUploadMaxBytes still goes in one Put Blob", async () => {
    const server = blobServer();
    await scriptedClient(server.fetch, { ...small, singleUploadMaxBytes: content.length }).uploadBlob(sas("2014-02-14"), file);
    expect(server.requests).toHaveLength(1);
    expect(server.requests[0]).toMatchObject({ method: "PUT", url: sas("2014-02-14") });
    expect(server.requests[0]!.headers.get("x-ms-blob-type")).toBe("BlockBlob");
  });

  it("retries a block whose connection broke, alone, and commits once", async () => {
    let broken: string | undefined;
    const server = blobServer((r) => {
      if (compOf(r.url) === "block" && r.body[0] === content[1000] && broken === undefined) {
        broken = r.url;
        return reset();
      }
      return undefined;
    });
    await scriptedClient(server.fetch, small).uploadBlob(sas("2014-02-14"), file);
    expect(server.requests.map((r) => compOf(r.url)).sort()).toEqual(["block", "block", "block", "block", "blocklist"]);
    // The second block went twice, the others once.
    expect(server.requests.filter((r) => r.url === broken)).toHaveLength(2);
    expect(server.requests.at(-1)!.url).toMatch(/comp=blocklist$/);
  });

  it("retries a Put Block List whose answer was lost (the same list commits the same blob)", async () => {
    let lost = false;
    const server = blobServer((r) => (compOf(r.url) === "blocklist" && !lost ? ((lost = true), reset()) : undefined));
    await scriptedClient(server.fetch, small).uploadBlob(sas("2014-02-14"), file);
    const commits = server.requests.filter((r) => compOf(r.url) === "blocklist");
    expect(commits).toHaveLength(2);
    expect(commits[1]!.body).toEqual(commits[0]!.body);
  });

  it("a block the storage refuses stops the upload with an FnoError naming the block, its bytes, the status and Azure's code; nothing is committed", async () => {
    const refused = `<?xml version="1.0" encoding="utf-8"?><Error><Code>AuthenticationFailed</Code><Message>Server failed to authenticate the request.</Message></Error>`;
    const server = blobServer((r) => (compOf(r.url) === "block" && r.body[0] === content[2000] ? new Response(refused, { status: 403, headers: { "x-ms-error-code": "AuthenticationFailed" } }) : undefined));
    const error = await failure<BlobBlockError>(scriptedClient(server.fetch, { ...small, concurrency: 1 }).uploadBlob(sas("2014-02-14"), file));
    expect(error).toBeInstanceOf(FnoError);
    expect(error).toBeInstanceOf(BlobBlockError);
    expect(error.status).toBe(403);
    expect(error.azureCode).toBe("AuthenticationFailed");
    expect(error.step).toBe("Put Block 3 of 3 (bytes 2000-2499)");
    expect(error.message).toMatch(/^BlobUpload failed at Put Block 3 of 3 \(bytes 2000-2499\) \[AuthenticationFailed\]: HTTP 403.*expired/s);
    expect(error.message).not.toContain("sig=");
    expect(exitCodeOf(error)).toBe(1);
    expect(server.requests.map((r) => compOf(r.url))).toEqual(["block", "block", "block"]);
  });

  it("a refused Put Block List is named as such", async () => {
    const invalid = `<?xml version="1.0" encoding="utf-8"?><Error><Code>InvalidBlockList</Code><Message>The specified block list is invalid.</Message></Error>`;
    const server = blobServer((r) => (compOf(r.url) === "blocklist" ? new Response(invalid, { status: 400 }) : undefined));
    const error = await failure<BlobBlockError>(scriptedClient(server.fetch, small).uploadBlob(sas("2014-02-14"), file));
    expect(error.message).toMatch(/^BlobUpload failed at Put Block List \(3 blocks\) \[InvalidBlockList\]: HTTP 400/);
  });

  it("stops at an abort: the blocks in flight end, nothing more is sent, and the call rejects with the abort's reason", async () => {
    const controller = new AbortController();
    const server = blobServer((_, index) => {
      if (index === 0) controller.abort(new Error("stopped by the user"));
      return undefined;
    });
    const error = await failure(scriptedClient(server.fetch, { ...small, concurrency: 1 }).uploadBlob(sas("2014-02-14"), file, { signal: controller.signal }));
    expect(error.message).toBe("stopped by the user");
    expect(server.requests.map((r) => compOf(r.url))).toEqual(["block"]);
  });
});

describe("block uploads against the simulator's blob store", () => {
  /** A client of the rig's simulator, on its clock, with these upload settings. */
  function clientOf(rig: PackageRig, blobUpload: Partial<BlobUploadSettings>): FnoClient {
    const c = rig.sim.connection;
    return new FnoClient({
      environmentUrl: c.environmentUrl,
      credential: new LoopbackClientSecretCredential(c.authorityHost, c.tenantId, c.clientId, c.clientSecret),
      retry: quickRetry,
      blobUpload,
      now: () => rig.clock.now(),
      sleep: (ms, signal) => rig.clock.sleep(ms, signal),
    });
  }
  const group = defaultIds.importDefinitionGroupId;
  /** The package is under 1 KiB: 256-byte Put Blobs and 128-byte blocks make it a multi-block upload. */
  const tiny = { singleUploadMaxBytes: 256, blockBytes: 128 };

  async function bigPackage(): Promise<{ file: string; bytes: Buffer }> {
    const file = await writeDataPackage(path.join(tempDir("fno-blocks-"), "customers.zip"), ["Customers V3", "Vendors V2", "Customer groups"]);
    return { file, bytes: readFileSync(file) };
  }

  it("with the defaults, a file one byte over what Put Blob takes at the store's sv=2014-02-14 goes in 17 blocks of 4 MiB and is stored byte for byte", async () => {
    const rig = await packageRig();
    const file = path.join(tempDir("fno-blocks-"), "large.zip");
    const bytes = Buffer.alloc(64 * MiB + 1);
    for (let i = 0; i < bytes.length; i += 4096) bytes[i] = (i / 4096) % 256;
    writeFileSync(file, bytes);
    const { blobUrl } = await rig.client.getAzureWriteUrl("large.zip");
    await rig.client.uploadBlob(blobUrl, file);
    const counters = rig.sim.counters();
    expect(counters.responses.blobPutBlock).toEqual({ "201": 17 });
    expect(counters.responses.blobPutBlockList).toEqual({ "201": 1 });
    expect(counters.requests.blobPut).toBe(0);
    expect(counters.blobUploads).toBe(1);
    expect(counters.blobAuthorizationAttempts).toBe(0);
    expect(rig.sim.blobs()).toEqual([expect.objectContaining({ name: "large.zip", kind: "upload", size: bytes.length, sha256: sha256(bytes) })]);
  });

  it("imports a package larger than the store's Put Blob limit through blocks, and F&O reads it with the file's SHA-256", async () => {
    const rig = await packageRig({ packageApi: { maxBlobBytes: 256, maxBlockBytes: 128 } });
    const { file, bytes } = await bigPackage();
    expect(bytes.length).toBeGreaterThan(256);
    const result = await importPackage({ client: clientOf(rig, tiny), file, definitionGroupId: group, wait: true });
    expect(result.outcome).toBe("succeeded");
    expect(rig.sim.packageExecutions()[0]!.packageSha256).toBe(sha256(bytes));
    const counters = rig.sim.counters();
    expect(counters.responses.blobPutBlock).toEqual({ "201": Math.ceil(bytes.length / 128) });
    expect(counters.responses.blobPutBlockList).toEqual({ "201": 1 });
    expect(counters.requests.blobPut).toBe(0);
    expect(counters.blobAuthorizationAttempts).toBe(0);
  });

  it("retries a block the store fails once (503 fault on blobPutBlock) alone", async () => {
    const rig = await packageRig({ packageApi: { maxBlobBytes: 256, maxBlockBytes: 128 }, faults: { rules: [{ endpoint: "blobPutBlock", kind: "status", status: 503, times: 1 }] } });
    const { file, bytes } = await bigPackage();
    const result = await importPackage({ client: clientOf(rig, tiny), file, definitionGroupId: group, wait: true });
    expect(result.outcome).toBe("succeeded");
    expect(rig.sim.packageExecutions()[0]!.packageSha256).toBe(sha256(bytes));
    const blocks = Math.ceil(bytes.length / 128);
    expect(rig.sim.counters().responses.blobPutBlock).toEqual({ "503": 1, "201": blocks });
    expect(rig.sim.counters().requests.getAzureWriteUrl).toBe(1);
  });

  it("a write URL that expires mid-upload fails the block with a clear error, and the import restarts the whole upload on a fresh URL", async () => {
    // The first block waits 20 s before the store checks its SAS, which lives 10 s.
    const rig = await packageRig({
      packageApi: { maxBlobBytes: 256, maxBlockBytes: 128, writeUrlLifetimeSeconds: 10 },
      faults: { rules: [{ endpoint: "blobPutBlock", kind: "latency", ms: 20_000, times: 1 }] },
    });
    const { file, bytes } = await bigPackage();
    const steps: ImportStep[] = [];
    const result = await importPackage({ client: clientOf(rig, tiny), file, definitionGroupId: group, wait: true, onStep: (s) => steps.push(s) });
    expect(result.outcome).toBe("succeeded");
    expect(steps[0]).toEqual({ type: "uploaded", freshUrl: true });
    expect(rig.sim.counters().requests.getAzureWriteUrl).toBe(2);
    expect(rig.sim.counters().responses.blobPutBlock["403"]).toBe(1);
    // Only the second blob was committed, with every block of the file.
    expect(rig.sim.blobs()).toEqual([expect.objectContaining({ name: expect.stringMatching(/-2\.zip$/), size: bytes.length, sha256: sha256(bytes) })]);
    expect(rig.sim.packageExecutions()[0]!.packageSha256).toBe(sha256(bytes));
  });

  it("names the block and Azure's code when the write URL has expired", async () => {
    const rig = await packageRig({ packageApi: { writeUrlLifetimeSeconds: 10 } });
    const { file } = await bigPackage();
    const { blobUrl } = await rig.client.getAzureWriteUrl("late.zip");
    rig.clock.advance(11_000);
    const error = await failure<BlobBlockError>(clientOf(rig, { ...tiny, concurrency: 1 }).uploadBlob(blobUrl, file));
    expect(error.message).toMatch(/^BlobUpload failed at Put Block 1 of \d+ \(bytes 0-127\) \[AuthenticationFailed\]: HTTP 403 .*expired/s);
    expect(error.message).not.toContain("sig=");
    expect(rig.sim.counters().responses.blobPutBlockList).toEqual({});
    expect(rig.sim.blobs()).toEqual([]);
  });
});
