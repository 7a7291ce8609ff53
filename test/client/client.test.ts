import { describe, expect, it } from "vitest";
import type { AccessToken, TokenCredential } from "@azure/core-auth";
import { FnoClient, FnoError, type FnoClientOptions } from "../../src/client/index.ts";
import { Transport } from "../../src/client/transport.ts";
import { VirtualClock } from "../support/virtual-clock.ts";

const env = "https://contoso.operations.dynamics.com";
const activity = "6d31e09f-0249-459f-94f0-aaaaaaaaaaaa";

/** A scripted server: each call takes the next answer; every request is kept for assertions. */
function scripted(answers: Array<Response | Error | ((request: Request) => Response)>) {
  const requests: Request[] = [];
  const fetch = async (request: Request): Promise<Response> => {
    requests.push(request);
    const next = answers.shift();
    if (next === undefined) throw new Error(`unexpected request ${request.method} ${request.url}`);
    if (next instanceof Error) throw next;
    return typeof next === "function" ? next(request) : next;
  };
  return { requests, fetch };
}

/** A credential that hands out numbered tokens, so a refresh is visible. */
function countingCredential(lifetimeMs = 3_600_000): TokenCredential & { calls: string[] } {
  const calls: string[] = [];
  return {
    calls,
    async getToken(scope: string | string[]): Promise<AccessToken> {
      calls.push(String(scope));
      return { token: `token-${calls.length}`, expiresOnTimestamp: Date.now() + lifetimeMs };
    },
  };
}

function json(body: unknown, status = 200, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json", ...headers } });
}

/** A client on a fake clock that moves only when the client sleeps, so every wait is visible and exact. */
function client(fetch: (r: Request) => Promise<Response>, extra: Partial<FnoClientOptions> & { start?: number } = {}) {
  const sleeps: number[] = [];
  const credential = countingCredential();
  const { start, ...options } = extra;
  let clock = start ?? Date.parse("2026-11-21T09:00:00Z");
  const c = new FnoClient({
    environmentUrl: `${env}/`,
    credential,
    fetch,
    random: () => 0.5,
    now: () => clock,
    sleep: async (ms) => {
      sleeps.push(ms);
      clock += ms;
    },
    ...options,
  });
  return { client: c, sleeps, credential };
}

const message = {
  CorrelationId: "5acd8121-d4e1-4cf8-b31f-9713de3e3627",
  PopReceipt: "AgAAAAMAAAAAAAAA3XpSEQ0b1QE=",
  DownloadLocation: `${env}/api/connector/download/%7B${activity}%7D?correlation-id=5acd8121&blob=b1`,
  IsDownLoadFileExist: true,
  FileDownLoadErrorMessage: "",
  LastDequeueDateTime: null,
};

describe("FnoClient.dequeue", () => {
  it("asks for the environment-scoped token and reports an empty queue on 204", async () => {
    const server = scripted([new Response(null, { status: 204 })]);
    const { client: c, credential } = client(server.fetch);
    expect(await c.dequeue(activity)).toEqual({ kind: "empty" });
    expect(credential.calls).toEqual([`${env}/.default`]);
    const [request] = server.requests;
    expect(request?.method).toBe("GET");
    expect(request?.url).toBe(`${env}/api/connector/dequeue/${activity}`);
    expect(request?.headers.get("authorization")).toBe("Bearer token-1");
    expect(request?.headers.get("accept")).toBe("application/json");
  });

  it("returns the message and says when its package is missing instead of failing", async () => {
    const missing = { ...message, IsDownLoadFileExist: false, DownloadLocation: null, FileDownLoadErrorMessage: "Blob not found" };
    const server = scripted([json(message), json(missing)]);
    const { client: c } = client(server.fetch);
    expect(await c.dequeue(activity)).toEqual({ kind: "message", message, package: { available: true, location: message.DownloadLocation } });
    expect(await c.dequeue(activity)).toMatchObject({ kind: "message", package: { available: false, reason: "Blob not found" } });
  });

  it("retries 502 with backoff, then surfaces F&O's inner error text with a hint", async () => {
    const body = { error: { code: "", message: "An error has occurred.", innererror: { message: "Activity not found", type: "X" } } };
    const server = scripted([new Response("", { status: 502 }), json(body, 500)]);
    const { client: c, sleeps } = client(server.fetch);
    const error = await c.dequeue(activity).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(FnoError);
    const fno = error as FnoError;
    expect(fno.status).toBe(500);
    expect(fno.odata?.innerMessage).toBe("Activity not found");
    expect(fno.code).toBe("FNO_REMOTE");
    expect(fno.message).toContain("Dequeue failed: HTTP 500");
    expect(fno.message).toContain("Activity not found");
    expect(fno.hint).toMatch(/activity ID/);
    expect(sleeps).toHaveLength(1);
    expect(server.requests).toHaveLength(2);
  });
});

describe("retries and tokens", () => {
  it("waits exactly Retry-After (seconds) on 429 and never earlier", async () => {
    const server = scripted([json({ error: { message: "throttled" } }, 429, { "retry-after": "7" }), new Response(null, { status: 204 })]);
    const { client: c, sleeps } = client(server.fetch);
    await c.dequeue(activity);
    expect(sleeps).toEqual([7002]); // Retry-After plus a 2 ms timer margin
  });

  it("understands Retry-After as an HTTP date", async () => {
    const now = Date.parse("2026-11-21T10:00:00Z");
    const server = scripted([
      new Response("", { status: 503, headers: { "retry-after": "Sat, 21 Nov 2026 10:00:12 GMT" } }),
      new Response(null, { status: 204 }),
    ]);
    const { client: c, sleeps } = client(server.fetch, { start: now });
    await c.dequeue(activity);
    expect(sleeps).toEqual([12_002]);
  });

  it("gets one fresh token after a 401, then lets a second 401 stand", async () => {
    const server = scripted([json({}, 401), new Response(null, { status: 204 }), json({}, 401), json({}, 401)]);
    const { client: c, credential } = client(server.fetch);
    await c.dequeue(activity);
    expect(server.requests.map((r) => r.headers.get("authorization"))).toEqual(["Bearer token-1", "Bearer token-2"]);
    const error = (await c.dequeue(activity).catch((e: unknown) => e)) as FnoError;
    expect(error.status).toBe(401);
    expect(error.hint).toMatch(/client ID/);
    expect(credential.calls).toHaveLength(3);
  });

  it("lets the 401 stand when the credential hands back the refused token (a credential with its own cache)", async () => {
    const server = scripted([json({}, 401)]);
    const sameToken: TokenCredential = { getToken: async () => ({ token: "cached", expiresOnTimestamp: Date.now() + 3_600_000 }) };
    const c = new FnoClient({ environmentUrl: env, credential: sameToken, fetch: server.fetch });
    const error = (await c.dequeue(activity).catch((e: unknown) => e)) as FnoError;
    expect(error.status).toBe(401);
    expect(server.requests).toHaveLength(1);
  });

  it("does not retry a token request that Entra refused with a 4xx", async () => {
    let calls = 0;
    const refusing: TokenCredential = {
      getToken: async () => {
        calls++;
        throw Object.assign(new Error("AADSTS7000215: Invalid client secret provided."), { statusCode: 401 });
      },
    };
    const c = new FnoClient({ environmentUrl: env, credential: refusing, fetch: scripted([]).fetch, sleep: async () => undefined });
    const error = (await c.dequeue(activity).catch((e: unknown) => e)) as FnoError;
    expect(error.message).toMatch(/could not get a token: AADSTS7000215/);
    expect(calls).toBe(1);
  });

  it("stops after maxAttempts", async () => {
    const server = scripted([new Response("", { status: 503 }), new Response("", { status: 503 }), new Response("", { status: 503 })]);
    const { client: c } = client(server.fetch, { retry: { maxAttempts: 3 } });
    const error = (await c.dequeue(activity).catch((e: unknown) => e)) as FnoError;
    expect(error.status).toBe(503);
    expect(server.requests).toHaveLength(3);
  });

  it("never re-sends Enqueue after a reset or a 502, but does after 429", async () => {
    const reset = Object.assign(new TypeError("fetch failed"), { cause: Object.assign(new Error("socket hang up"), { code: "ECONNRESET" }) });
    const server = scripted([reset]);
    const { client: c } = client(server.fetch);
    const error = (await c.enqueue(activity, new Uint8Array([1, 2, 3])).catch((e: unknown) => e)) as FnoError;
    expect(error).toBeInstanceOf(FnoError);
    expect(error.status).toBeUndefined();
    expect(server.requests).toHaveLength(1);

    const gateway = scripted([new Response("", { status: 502 })]);
    const second = client(gateway.fetch);
    expect(((await second.client.enqueue(activity, new Uint8Array([1])).catch((e: unknown) => e)) as FnoError).status).toBe(502);
    expect(gateway.requests).toHaveLength(1);

    const throttled = scripted([new Response("", { status: 429, headers: { "retry-after": "1" } }), json("84a383c8-336d-45e4-9933-0c3e8bfb734a")]);
    const third = client(throttled.fetch);
    expect(await third.client.enqueue(activity, new Uint8Array([9]))).toBe("84a383c8-336d-45e4-9933-0c3e8bfb734a");
    expect(throttled.requests).toHaveLength(2);
  });

  it("aborts a wait when the signal fires", async () => {
    const server = scripted([new Response("", { status: 429, headers: { "retry-after": "60" } })]);
    const clock = new VirtualClock();
    const c = new FnoClient({ environmentUrl: env, credential: countingCredential(), fetch: server.fetch, now: () => clock.now(), sleep: (ms, signal) => clock.sleep(ms, signal) });
    const controller = new AbortController();
    const pending = c.dequeue(activity, { signal: controller.signal });
    while (clock.pending === 0) await new Promise((resolve) => setImmediate(resolve)); // waiting out the Retry-After
    controller.abort(new Error("stopped by test"));
    await expect(pending).rejects.toThrow("stopped by test");
    expect(clock.pending).toBe(0);
  });
});

describe("FnoClient.enqueue, acknowledge and the OData actions", () => {
  it("sends the file as octet-stream with entity, company and external identifier", async () => {
    const server = scripted([json("84a383c8-336d-45e4-9933-0c3e8bfb734a")]);
    const { client: c } = client(server.fetch);
    const id = await c.enqueue(activity, new Uint8Array([80, 75]), { entity: "Customer groups", company: "USMF", externalIdentifier: "groups.csv" });
    expect(id).toBe("84a383c8-336d-45e4-9933-0c3e8bfb734a");
    const [request] = server.requests;
    expect(request?.url).toBe(`${env}/api/connector/enqueue/${activity}?entity=Customer%20groups&company=USMF`);
    expect(request?.headers.get("content-type")).toBe("application/octet-stream");
    expect(request?.headers.get("x-ms-dyn-externalidentifier")).toBe("groups.csv");
    expect(new Uint8Array(await request!.arrayBuffer())).toEqual(new Uint8Array([80, 75]));
  });

  it("acknowledges with the dequeue body as JSON", async () => {
    const server = scripted([new Response("", { status: 200 })]);
    const { client: c } = client(server.fetch);
    await c.acknowledge(activity, message);
    const [request] = server.requests;
    expect(request?.method).toBe("POST");
    expect(request?.headers.get("content-type")).toBe("application/json");
    expect(await request!.json()).toEqual(message);
  });

  it("sets the OData headers and unwraps value; execution errors are parsed twice", async () => {
    const errors = [{ RecordId: "479625", Field: "", ErrorMessage: "Customer group does not exist" }];
    const server = scripted([
      json({ "@odata.context": `${env}/data/$metadata#Edm.String`, value: "ProcessedWithErrors" }),
      json({ value: JSON.stringify(errors) }),
    ]);
    const { client: c } = client(server.fetch);
    expect(await c.getMessageStatus("m1")).toBe("ProcessedWithErrors");
    expect(await c.getExecutionErrors("e1")).toEqual({ raw: JSON.stringify(errors), errors });
    const [request] = server.requests;
    expect(request?.headers.get("odata-version")).toBe("4.0");
    expect(request?.headers.get("odata-maxversion")).toBe("4.0");
    expect(request?.headers.get("content-type")).toBe("application/json");
    expect(await request!.json()).toEqual({ messageId: "m1" });
  });
});

describe("FnoClient.download", () => {
  it("moves http locations to https and streams the body", async () => {
    const server = scripted([new Response(new Uint8Array([80, 75, 3, 4]), { status: 200, headers: { "content-length": "4" } })]);
    const { client: c } = client(server.fetch);
    const download = await c.download(message.DownloadLocation.replace("https://", "http://").replace(".com/", ".com:80/"));
    expect(server.requests[0]?.url).toBe(message.DownloadLocation);
    expect(server.requests[0]?.headers.get("authorization")).toBe("Bearer token-1");
    expect(download.contentLength).toBe(4);
    expect(new Uint8Array(await new Response(download.body).arrayBuffer())).toEqual(new Uint8Array([80, 75, 3, 4]));
  });

  it.each([
    ["a Content-Length", { "content-length": "2" }, false],
    ["chunked", { "transfer-encoding": "chunked" }, false],
    ["neither (the body ends at the close)", {}, true],
  ])("says whether the package's length can be checked: %s", async (_name, headers, unchecked) => {
    const { client: c } = client(scripted([new Response(new Uint8Array([80, 75]), { status: 200, headers })]).fetch);
    const download = await c.download(message.DownloadLocation);
    expect(download.lengthUnchecked).toBe(unchecked);
    expect(new Uint8Array(await new Response(download.body).arrayBuffer())).toEqual(new Uint8Array([80, 75]));
  });

  it("lets a caller cancel the body (one it will not trust, say) without an unhandled rejection", async () => {
    const { client: c } = client(scripted([new Response(new Uint8Array([80, 75]), { status: 200 })]).fetch);
    const download = await c.download(message.DownloadLocation);
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown) => void unhandled.push(reason);
    process.on("unhandledRejection", onUnhandled);
    try {
      await download.body.cancel();
      await new Promise((resolve) => setTimeout(resolve, 20));
    } finally {
      process.off("unhandledRejection", onUnhandled);
    }
    expect(unhandled).toEqual([]);
  });

  it("sends no bearer token to another host", async () => {
    const server = scripted([new Response("x", { status: 200 })]);
    const { client: c } = client(server.fetch);
    await c.download("https://example.blob.core.windows.net/dmf/p.zip?sig=abc");
    expect(server.requests[0]?.headers.get("authorization")).toBeNull();
  });

  it("never attaches the token to another origin, even when a caller asks it to", async () => {
    const server = scripted([new Response("x", { status: 200 })]);
    const credential = countingCredential();
    const transport = new Transport({ environmentUrl: env, credential, fetch: server.fetch });
    const sas = "https://example.blob.core.windows.net/dmf/p.zip?sv=2019-12-12&sig=c2VjcmV0";
    const error = await transport.send(new Request(sas), { operation: "Download", retry: "idempotent", authorize: true }).catch((err: Error) => err);
    expect(error).toBeInstanceOf(Error);
    expect((error as Error).message).toBe(
      "Download: refused to send the environment's token to https://example.blob.core.windows.net, which is not the environment (https://contoso.operations.dynamics.com)",
    );
    expect(server.requests).toHaveLength(0);
    expect(credential.calls).toHaveLength(0);
  });

  it("refuses a message without a location", async () => {
    const { client: c } = client(scripted([]).fetch);
    await expect(c.download({ ...message, DownloadLocation: null })).rejects.toThrow(/no DownloadLocation/);
  });
});
