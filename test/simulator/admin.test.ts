import { describe, expect, it } from "vitest";
import { defaultIds, type Simulator } from "../../src/simulator/index.ts";
import { maxSimulatedTime } from "../../src/simulator/clock.ts";
import { seedLimits } from "../../src/simulator/schema.ts";
import { START, call, dequeuePath, start, token } from "./support.ts";

const activity = defaultIds.exportActivityId;

function admin(simulator: Simulator, path: string, method = "GET", body?: unknown): Promise<Response> {
  return fetch(`${simulator.url}/_admin${path}`, {
    method,
    ...(body === undefined ? {} : { headers: { "content-type": "application/json" }, body: JSON.stringify(body) }),
  });
}

describe("admin API over HTTP", () => {
  it("describes the connection", async () => {
    const simulator = await start();
    const response = await admin(simulator, "/connection");
    expect(await response.json()).toEqual({
      environmentUrl: simulator.url,
      tenantId: defaultIds.tenantId,
      clientId: defaultIds.clientId,
      clientSecret: defaultIds.clientSecret,
      authorityHost: simulator.url,
      tokenUrlV1: `${simulator.url}/${defaultIds.tenantId}/oauth2/token`,
      tokenUrlV2: `${simulator.url}/${defaultIds.tenantId}/oauth2/v2.0/token`,
      exportActivityIds: [defaultIds.exportActivityId],
      importActivityIds: [defaultIds.importActivityId],
      exportDefinitionGroupIds: [defaultIds.exportDefinitionGroupId],
      importDefinitionGroupIds: [defaultIds.importDefinitionGroupId],
      blobUrl: simulator.blobStore.origin,
      adminUrl: `${simulator.url}/_admin`,
    });
  });

  it("seeds export messages (one spec, or a list with counts) and lists their state", async () => {
    const simulator = await start();
    const one = await admin(simulator, `/export/${activity}/messages`, "POST", { kind: "bytes", base64: Buffer.from("hello").toString("base64") });
    expect(one.status).toBe(200);
    const [seeded] = (await one.json()) as { sha256: string; size: number }[];
    expect(seeded).toMatchObject({ size: 5, sha256: "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824" });

    const many = await admin(simulator, `/export/%7B${activity.toUpperCase()}%7D/messages`, "POST", [
      { kind: "package", dataBytes: 100, count: 3 },
      { kind: "missing-file" },
    ]);
    const list = (await many.json()) as { correlationId: string; sha256: string }[];
    expect(list).toHaveLength(4);
    expect(new Set(list.slice(0, 3).map((message) => message.sha256)).size).toBe(3);

    await call(simulator, await token(simulator), dequeuePath(activity));
    const state = (await (await admin(simulator, `/export/${activity}/messages`)).json()) as { dequeueCount: number; visible: boolean }[];
    expect(state.map((message) => [message.dequeueCount, message.visible])).toEqual([
      [1, false],
      [0, true],
      [0, true],
      [0, true],
      [0, true],
    ]);
  });

  it("refuses a bad seed batch as a whole, naming the item", async () => {
    const simulator = await start();
    const response = await admin(simulator, `/export/${activity}/messages`, "POST", [{ kind: "package", dataBytes: 1 }, { kind: "package", dataBytes: -1 }]);
    expect(response.status).toBe(400);
    expect(await response.json()).toEqual({ error: { code: "BadRequest", message: "/1/dataBytes: must be >= 0", target: "/1/dataBytes" } });
    expect(simulator.exportMessages(activity)).toHaveLength(0);
  });

  it("refuses seeds for an activity that is not an export job", async () => {
    const simulator = await start();
    const response = await admin(simulator, `/export/${defaultIds.importActivityId}/messages`, "POST", { kind: "missing-file" });
    expect(response.status).toBe(400);
    expect(((await response.json()) as { error: { message: string } }).error.message).toContain("no export activity");
  });

  it("reads and resets counters", async () => {
    const simulator = await start();
    await call(simulator, await token(simulator), dequeuePath(activity));
    const counters = (await (await admin(simulator, "/counters")).json()) as { requests: Record<string, number>; tokensIssued: number };
    expect(counters.requests).toMatchObject({ token: 1, dequeue: 1, download: 0 });
    expect(counters.tokensIssued).toBe(1);
    expect((await admin(simulator, "/counters/reset", "POST")).status).toBe(204);
    expect(simulator.counters().requests.dequeue).toBe(0);
  });

  it("replaces faults, refusing invalid ones with the pointer", async () => {
    const simulator = await start();
    expect((await admin(simulator, "/faults", "PUT", { rules: [{ endpoint: "dequeue", kind: "status", status: 503 }] })).status).toBe(204);
    expect((await call(simulator, await token(simulator), dequeuePath(activity))).status).toBe(503);
    const bad = await admin(simulator, "/faults", "PUT", { throttle: { ratePerSecond: 0, burst: 1 } });
    expect(bad.status).toBe(400);
    expect(await bad.json()).toEqual({
      error: { code: "BadRequest", message: "/throttle/ratePerSecond: must be >= 0.001", target: "/throttle/ratePerSecond" },
    });
  });

  it("moves the clock and expires tokens", async () => {
    const simulator = await start({ visibilityTimeoutSeconds: 60 });
    await simulator.seedExport(activity, { kind: "package", dataBytes: 1 });
    const bearer = await token(simulator);
    await call(simulator, bearer, dequeuePath(activity));
    expect(await (await admin(simulator, "/clock")).json()).toEqual({ now: new Date(START).toISOString(), frozen: true });
    expect(await (await admin(simulator, "/clock/advance", "POST", { ms: 60_000 })).json()).toEqual({ now: new Date(START + 60_000).toISOString(), frozen: true });
    expect((await call(simulator, bearer, dequeuePath(activity))).status).toBe(200);
    expect((await admin(simulator, "/clock/advance", "POST", { ms: -1 })).status).toBe(400);

    expect(await (await admin(simulator, "/tokens/expire", "POST")).json()).toEqual({ expired: 1 });
    expect((await call(simulator, bearer, dequeuePath(activity))).status).toBe(401);
  });

  it("lists import messages", async () => {
    const simulator = await start();
    await call(simulator, await token(simulator), `/api/connector/enqueue/${defaultIds.importActivityId}`, { body: "x" });
    const list = (await (await admin(simulator, `/import/${defaultIds.importActivityId}/messages`)).json()) as { status: string }[];
    expect(list.map((message) => message.status)).toEqual(["Enqueued"]);
  });

  it("answers 404 for unknown admin paths and 405 with Allow for wrong methods", async () => {
    const simulator = await start();
    expect((await admin(simulator, "/nothing")).status).toBe(404);
    const wrong = await admin(simulator, "/counters", "POST");
    expect(wrong.status).toBe(405);
    expect(wrong.headers.get("allow")).toBe("GET");
  });
});

// C5 (issue 9): the admin surface could leave the simulator in a state it could not leave.
describe("admin input is bounded, and a refusal changes nothing", () => {
  it("refuses a clock advance past what the clock can show, and tokens keep working", async () => {
    const simulator = await start();
    const response = await admin(simulator, "/clock/advance", "POST", { ms: 1e308 });
    expect(response.status).toBe(400);
    const { error } = (await response.json()) as { error: { code: string; message: string; target: string } };
    expect(error).toMatchObject({ code: "BadRequest", target: "/ms" });
    expect(error.message).toMatch(/^\/ms: must be <= \d+/);
    expect(await (await admin(simulator, "/clock")).json()).toEqual({ now: new Date(START).toISOString(), frozen: true });
    expect((await call(simulator, await token(simulator), dequeuePath(activity))).status).toBe(204);
    // Steps that are each allowed still cannot carry the clock past its last representable time.
    expect(() => simulator.clock.advance(maxSimulatedTime)).toThrow(RangeError);
    expect(simulator.clock.now()).toBe(START);
  });

  it("refuses a seed count above the limit before queueing anything", async () => {
    const simulator = await start();
    const response = await admin(simulator, `/export/${activity}/messages`, "POST", { kind: "missing-file", count: 2_000_000 });
    expect(response.status).toBe(400);
    expect(await response.json()).toEqual({
      error: { code: "BadRequest", message: `/count: must be <= ${seedLimits.messages}`, target: "/count" },
    });
    expect(simulator.exportMessages(activity)).toHaveLength(0);
  });

  it("refuses a seed batch that would generate more bytes than the limit, naming the item", async () => {
    const simulator = await start();
    const response = await admin(simulator, `/export/${activity}/messages`, "POST", [
      { kind: "missing-file" },
      { kind: "package", dataBytes: 1024 ** 3, count: 9 },
    ]);
    expect(response.status).toBe(400);
    const { error } = (await response.json()) as { error: { message: string; target: string } };
    expect(error.target).toBe("/1/count");
    expect(error.message).toContain(`more than ${seedLimits.bytes} bytes`);
    expect(simulator.exportMessages(activity)).toHaveLength(0);
  });

  it("answers 400 naming the path for malformed percent-encoding, in the API and the admin surface", async () => {
    const simulator = await start();
    const bearer = await token(simulator);
    for (const path of ["/api/connector/dequeue/%E0%A4%A", `/${"%E0%A4%A"}/oauth2/v2.0/token`]) {
      const response = await call(simulator, bearer, path, path.includes("token") ? { body: "grant_type=client_credentials" } : {});
      expect(response.status, path).toBe(400);
      const body = (await response.json()) as { error: { message: string; innererror: { message: string } } };
      expect(body.error.innererror.message).toContain(`'${path}' is not valid percent-encoding`);
    }
    const adminResponse = await admin(simulator, "/export/%E0%A4%A/messages");
    expect(adminResponse.status).toBe(400);
    expect(((await adminResponse.json()) as { error: { message: string } }).error.message).toContain("is not valid percent-encoding");
  });
});
