import { getEventListeners } from "node:events";
import { afterEach, describe, expect, it } from "vitest";
import type { AccessToken, TokenCredential } from "@azure/core-auth";
import { defaultRetryOptions, FnoClient, FnoError, type DownloadSink } from "../../src/client/index.ts";
import { defaultIds, startSimulator, type Simulator } from "../../src/simulator/index.ts";
import { simulatorClient } from "../../src/cli/demo-run.ts";

const env = "https://contoso.operations.dynamics.com";
const location = `${env}/api/connector/download/%7BA%7D?correlation-id=c1&blob=b1`;
const credential: TokenCredential = { getToken: async (): Promise<AccessToken> => ({ token: "t", expiresOnTimestamp: Date.now() + 3_600_000 }) };

/** A body that gives `bytes` and then breaks off, as a reset connection does. */
function breaking(bytes: number[], headers: Record<string, string>, status = 200): Response {
  let given = false;
  const body = new ReadableStream<Uint8Array>({
    async pull(controller) {
      if (given) {
        // Later than the reader takes the bytes: an error discards what a stream still buffers.
        await new Promise((resolve) => setTimeout(resolve, 5));
        return controller.error(Object.assign(new Error("other side closed"), { code: "UND_ERR_SOCKET" }));
      }
      given = true;
      controller.enqueue(new Uint8Array(bytes));
    },
  });
  return new Response(body, { status, headers });
}

function whole(bytes: number[], headers: Record<string, string> = {}, status = 200): Response {
  return new Response(new Uint8Array(bytes), { status, headers: { "content-length": String(bytes.length), ...headers } });
}

/** A fake clock that moves only when the client sleeps; every request is kept. The last answer repeats. */
function scriptedClient(answers: Array<Response | ((request: Request) => Response)>) {
  const requests: Request[] = [];
  let clock = 0;
  const client = new FnoClient({
    environmentUrl: env,
    credential,
    random: () => 0.5,
    now: () => clock,
    sleep: async (ms) => void (clock += ms),
    fetch: async (request) => {
      requests.push(request);
      const next = answers.length > 1 ? answers.shift() : answers[0];
      if (next === undefined) throw new Error("no answer scripted");
      return typeof next === "function" ? next(request) : next;
    },
  });
  return { client, requests, elapsed: () => clock };
}

/** A sink that keeps the bytes in memory and counts restarts. */
function memorySink(): DownloadSink & { bytes: number[]; restarts: number } {
  const sink = {
    bytes: [] as number[],
    restarts: 0,
    write: (chunk: Uint8Array) => void sink.bytes.push(...chunk),
    restart: () => {
      sink.bytes = [];
      sink.restarts++;
    },
  };
  return sink;
}

describe("FnoClient.downloadTo", () => {
  it("resumes with Range and If-Range after the body breaks, and continues the bytes", async () => {
    const { client, requests } = scriptedClient([
      breaking([1, 2, 3, 4, 5, 6], { "content-length": "10", etag: '"v1"' }),
      whole([7, 8, 9, 10], { "content-range": "bytes 6-9/10" }, 206),
    ]);
    const sink = memorySink();
    const result = await client.downloadTo(location, sink);
    expect(sink.bytes).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(result).toMatchObject({ bytes: 10, contentLength: 10, requests: 2, resumes: 1, restarts: 0, received: 10 });
    expect(requests[0]?.headers.get("range")).toBeNull();
    expect(requests[1]?.headers.get("range")).toBe("bytes=6-");
    expect(requests[1]?.headers.get("if-range")).toBe('"v1"');
    expect(requests[1]?.headers.get("authorization")).toBe("Bearer t");
  });

  it.each([
    ["a Content-Length", whole([1, 2]), false],
    ["chunked", new Response(new Uint8Array([1, 2]), { headers: { "transfer-encoding": "chunked" } }), false],
    ["neither (the body ends at the close)", new Response(new Uint8Array([1, 2])), true],
  ])("says whether the package's length could be checked: %s", async (_name, answer, unchecked) => {
    const result = await scriptedClient([answer]).client.downloadTo(location, memorySink());
    expect(result).toMatchObject({ bytes: 2, lengthUnchecked: unchecked });
  });

  describe("a first answer without a length (ended by the close) that broke off takes its total from the resume's Content-Range", () => {
    /** A 206 ended by the close too (no Content-Length, not chunked), carrying `bytes` as the range `contentRange`. */
    const closeDelimitedPart = (bytes: number[], contentRange: string) => new Response(new Uint8Array(bytes), { status: 206, headers: { "content-range": contentRange } });

    it("so the package's length is checked", async () => {
      const { client } = scriptedClient([breaking([1, 2, 3, 4, 5, 6], {}), closeDelimitedPart([7, 8, 9, 10], "bytes 6-9/10")]);
      const sink = memorySink();
      const result = await client.downloadTo(location, sink);
      expect(sink.bytes).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
      expect(result).toMatchObject({ bytes: 10, contentLength: 10, requests: 2, resumes: 1, lengthUnchecked: false });
    });

    it("so a part short of the total is resumed again, as any short body is", async () => {
      const { client, requests } = scriptedClient([breaking([1, 2, 3, 4, 5, 6], {}), closeDelimitedPart([7, 8], "bytes 6-9/10"), closeDelimitedPart([9, 10], "bytes 8-9/10")]);
      const sink = memorySink();
      const result = await client.downloadTo(location, sink);
      expect(sink.bytes).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
      expect(result).toMatchObject({ bytes: 10, requests: 3, resumes: 2, lengthUnchecked: false });
      expect(requests[2]?.headers.get("range")).toBe("bytes=8-");
    });

    it("so a part longer than the total fails", async () => {
      const { client } = scriptedClient([breaking([1, 2, 3, 4, 5, 6], {}), closeDelimitedPart([7, 8, 9, 10, 11], "bytes 6-9/10")]);
      await expect(client.downloadTo(location, memorySink())).rejects.toThrow("package is longer than announced: received 11 of 10 bytes");
    });
  });

  it("uses Last-Modified as the validator when there is no strong ETag", async () => {
    const modified = "Tue, 01 Dec 2026 10:00:00 GMT";
    const { client, requests } = scriptedClient([
      breaking([1, 2], { "content-length": "3", etag: 'W/"weak"', "last-modified": modified }),
      whole([3], { "content-range": "bytes 2-2/3" }, 206),
    ]);
    await client.downloadTo(location, memorySink());
    expect(requests[1]?.headers.get("if-range")).toBe(modified);
  });

  it("starts over when the server answers the Range request with 200 (Range ignored, or the package changed)", async () => {
    const { client } = scriptedClient([breaking([1, 2, 3], { "content-length": "4", etag: '"v1"' }), whole([9, 9, 9, 9], { etag: '"v2"' })]);
    const sink = memorySink();
    const result = await client.downloadTo(location, sink);
    expect(sink.bytes).toEqual([9, 9, 9, 9]);
    expect(result).toMatchObject({ bytes: 4, requests: 2, resumes: 0, restarts: 1 });
  });

  it("never stitches in a 206 for other bytes than asked: it asks for the whole package", async () => {
    const { client, requests } = scriptedClient([
      breaking([1, 2, 3], { "content-length": "4" }),
      whole([1, 2, 3, 4], { "content-range": "bytes 0-3/4" }, 206),
      whole([1, 2, 3, 4]),
    ]);
    const sink = memorySink();
    await client.downloadTo(location, sink);
    expect(sink.bytes).toEqual([1, 2, 3, 4]);
    expect(requests.map((r) => r.headers.get("range"))).toEqual([null, "bytes=3-", null]);
  });

  it("does not send another request when the sink cannot write (a full disk is not a broken transfer)", async () => {
    const { client, requests } = scriptedClient([whole([1, 2, 3])]);
    const full = Object.assign(new Error("no space left on device"), { code: "ENOSPC" });
    const sink = { write: () => { throw full; }, restart: () => undefined };
    await expect(client.downloadTo(location, sink)).rejects.toBe(full);
    expect(requests).toHaveLength(1);
  });

  it(`worst case for one download: ${defaultRetryOptions.maxAttempts} requests in all, statuses and broken bodies counted together`, async () => {
    const { client, requests } = scriptedClient([
      new Response("", { status: 503 }),
      breaking([1], { "content-length": "100" }),
      new Response("", { status: 502 }),
      (request) => breaking([2], { "content-range": `bytes 1-99/100` }, request.headers.get("range") ? 206 : 200),
      new Response("", { status: 503 }),
      (request) => breaking([3], { "content-range": `bytes 2-99/100` }, request.headers.get("range") ? 206 : 200),
    ]);
    const error = await client.downloadTo(location, memorySink()).catch((e: unknown) => e);
    expect((error as Error).name).toBe("DownloadInterruptedError");
    expect((error as Error).message).toMatch(/broke off after 3 of 100 bytes .* \(6 requests\)/);
    expect(requests).toHaveLength(defaultRetryOptions.maxAttempts);
  });

  it("worst case in time: no retry starts later than maxElapsedMs (5 minutes) after the first request", async () => {
    const { client, requests, elapsed } = scriptedClient([() => new Response("", { status: 429, headers: { "retry-after": "90" } })]);
    const error = await client.downloadTo(location, memorySink()).catch((e: unknown) => e);
    expect((error as FnoError).status).toBe(429);
    // Requests at 0, 90, 180 and 270 s; a fifth would start at 360 s, past the budget, so the 429 stands.
    expect(requests).toHaveLength(4);
    expect(elapsed()).toBeLessThanOrEqual(defaultRetryOptions.maxElapsedMs);
  });
});

describe("abort listeners on a long-lived signal", () => {
  const running: Simulator[] = [];
  afterEach(async () => {
    await Promise.all(running.splice(0).map((sim) => sim.close()));
  });

  it("every call removes what it added to the caller's signal, so a long run collects none", async () => {
    const activity = defaultIds.exportActivityId;
    const sim = await startSimulator({ seed: 2 });
    running.push(sim);
    const seeded = await sim.seedExport(activity, { kind: "package", dataBytes: 1000 });
    const client = simulatorClient(sim.connection);
    const run = new AbortController();
    for (let i = 0; i < 30; i++) {
      await client.dequeue(activity, { signal: run.signal });
      await new Response((await client.download(seeded.downloadLocation!, { signal: run.signal })).body).arrayBuffer();
      await client.downloadTo(seeded.downloadLocation!, memorySink(), { signal: run.signal });
    }
    expect(getEventListeners(run.signal, "abort")).toHaveLength(0);
  });
});
