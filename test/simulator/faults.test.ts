import { describe, expect, it } from "vitest";
import { SimulatorConfigError, defaultIds, type Simulator, type SimulatorOptions } from "../../src/simulator/index.ts";
import { VirtualClock } from "../support/virtual-clock.ts";
import { START, ackPath, call, dequeuePath, postForm, start, token, type DequeuedMessage } from "./support.ts";

const activity = defaultIds.exportActivityId;
const dequeue = dequeuePath(activity);

async function statuses(simulator: Simulator, count: number): Promise<number[]> {
  const bearer = await token(simulator);
  const out: number[] = [];
  for (let i = 0; i < count; i++) out.push((await call(simulator, bearer, dequeue)).status);
  return out;
}

describe("status faults", () => {
  it("fire at the configured rate, the same way for the same seed and differently for another", async () => {
    const faults: SimulatorOptions["faults"] = { rules: [{ endpoint: "dequeue", kind: "status", status: 503, rate: 0.5 }] };
    const first = await statuses(await start({ seed: 7, faults }), 40);
    const again = await statuses(await start({ seed: 7, faults }), 40);
    const other = await statuses(await start({ seed: 8, faults }), 40);
    expect(again).toEqual(first);
    expect(other).not.toEqual(first);
    const failures = first.filter((status) => status === 503).length;
    expect(failures).toBeGreaterThan(8);
    expect(failures).toBeLessThan(32);
  });

  it("let `after` requests through, then fire `times` times", async () => {
    const simulator = await start({ faults: { rules: [{ endpoint: ["dequeue", "ack"], kind: "status", status: 502, after: 1, times: 2 }] } });
    expect(await statuses(simulator, 4)).toEqual([204, 502, 502, 204]);
    expect(simulator.counters().faultsInjected).toBe(2);
  });

  it("answer with an F&O error body and skip the request's effect", async () => {
    const simulator = await start({ faults: { rules: [{ endpoint: "ack", kind: "status", status: 500, times: 1 }] } });
    await simulator.seedExport(activity, { kind: "package", dataBytes: 10 });
    const bearer = await token(simulator);
    const got = (await (await call(simulator, bearer, dequeue)).json()) as DequeuedMessage;
    const failed = await call(simulator, bearer, ackPath(activity), { json: got });
    expect(failed.status).toBe(500);
    expect(await failed.json()).toEqual({ error: { code: "", message: "An error has occurred.", innererror: { message: "Simulated HTTP 500 on ack." } } });
    expect(simulator.exportMessages(activity)[0]!.ackedAt).toBeNull();
    expect((await call(simulator, bearer, ackPath(activity), { json: got })).status).toBe(200);
  });

  it("announce Retry-After in seconds, and count requests that come back sooner as early", async () => {
    const simulator = await start({ faults: { rules: [{ endpoint: "dequeue", kind: "status", status: 503, retryAfter: 2, times: 1 }] } });
    const bearer = await token(simulator);
    const refused = await call(simulator, bearer, dequeue);
    expect(refused.headers.get("retry-after")).toBe("2");
    simulator.clock.advance(1_999);
    await call(simulator, bearer, dequeue);
    expect(simulator.counters().early).toBe(1);
    simulator.clock.advance(1);
    await call(simulator, bearer, dequeue);
    expect(simulator.counters().early).toBe(1);
  });

  it("count a request received before the announcement as in flight, however long its latency kept it", async () => {
    const clock = new VirtualClock(START);
    const simulator = await start({
      clock,
      faults: {
        rules: [
          { endpoint: "dequeue", kind: "latency", ms: 500, times: 1 },
          { endpoint: "ack", kind: "status", status: 503, retryAfter: 2, times: 1 },
        ],
      },
    });
    const bearer = await token(simulator);
    const slow = call(simulator, bearer, dequeue);
    while (clock.pending === 0) await new Promise((resolve) => setImmediate(resolve)); // received, held by its latency
    const refused = await call(simulator, bearer, ackPath(activity), { json: {} });
    expect(refused.headers.get("retry-after")).toBe("2");
    clock.advance(500);
    expect((await slow).status).toBe(204);
    expect(simulator.counters()).toMatchObject({ early: 0, inFlightAtAnnouncement: 1 });
  });

  it("announce Retry-After as an HTTP date, rounded up to the next whole second", async () => {
    const simulator = await start({ faults: { rules: [{ endpoint: "dequeue", kind: "status", status: 429, retryAfter: 1, retryAfterFormat: "http-date", times: 1 }] } });
    simulator.clock.advance(300);
    const refused = await call(simulator, await token(simulator), dequeue);
    expect(refused.status).toBe(429);
    expect(refused.headers.get("retry-after")).toBe(new Date(START + 2_000).toUTCString());
    expect(((await refused.json()) as { error: { innererror: { message: string } } }).error.innererror.message).toContain("high resource utilization");
  });

  it("on the token endpoint answer in Entra's error shape", async () => {
    const simulator = await start({ faults: { rules: [{ endpoint: "token", kind: "status", status: 503, times: 1 }] } });
    const c = simulator.connection;
    const form = { grant_type: "client_credentials", client_id: c.clientId, client_secret: c.clientSecret, resource: c.environmentUrl };
    const failed = await postForm(c.tokenUrlV1, form);
    expect(failed.status).toBe(503);
    expect(await failed.json()).toMatchObject({ error: "temporarily_unavailable" });
    expect((await postForm(c.tokenUrlV1, form)).status).toBe(200);
  });
});

describe("body faults keep the request's effect", () => {
  it("an ack whose response is reset has still removed the message", async () => {
    const simulator = await start({ faults: { rules: [{ endpoint: "ack", kind: "reset", afterBytes: 0 }] } });
    await simulator.seedExport(activity, { kind: "package", dataBytes: 10 });
    const bearer = await token(simulator);
    const got = (await (await call(simulator, bearer, dequeue)).json()) as DequeuedMessage;
    await expect(call(simulator, bearer, ackPath(activity), { json: got })).rejects.toThrow();
    expect(simulator.exportMessages(activity)[0]!.ackedAt).not.toBeNull();
    expect(simulator.counters().acks).toBe(1);
  });
});

describe("latency", () => {
  it("delays matching requests by the configured milliseconds", async () => {
    const simulator = await start({ faults: { rules: [{ endpoint: "dequeue", kind: "latency", ms: 120 }] } });
    const bearer = await token(simulator);
    const started = performance.now();
    await call(simulator, bearer, dequeue);
    expect(performance.now() - started).toBeGreaterThanOrEqual(115);
  });
});

describe("throttle (token bucket)", () => {
  it("answers 429 with Retry-After once the burst is spent, counts early requests, refills over time", async () => {
    const simulator = await start({ faults: { throttle: { ratePerSecond: 2, burst: 2 } } });
    const bearer = await token(simulator);
    expect((await call(simulator, bearer, dequeue)).status).toBe(204);
    expect((await call(simulator, bearer, dequeue)).status).toBe(204);

    const throttled = await call(simulator, bearer, dequeue);
    expect(throttled.status).toBe(429);
    expect(throttled.headers.get("retry-after")).toBe("1");
    expect(simulator.counters().early).toBe(0);

    // Too soon: counted as early, and still throttled (the bucket has had no time to refill).
    simulator.clock.advance(400);
    expect((await call(simulator, bearer, dequeue)).status).toBe(429);
    expect(simulator.counters().early).toBe(1);

    simulator.clock.advance(1_000);
    expect((await call(simulator, bearer, dequeue)).status).toBe(204);
    expect(simulator.counters()).toMatchObject({ throttled: 2, early: 1 });
    expect(simulator.counters().responses.dequeue).toEqual({ "204": 3, "429": 2 });
  });

  it("leaves the token endpoint and unlisted endpoints alone", async () => {
    const simulator = await start({ faults: { throttle: { ratePerSecond: 1, burst: 1, endpoints: ["download"] } } });
    // Two tokens with a burst of one: the token endpoint does not draw from the bucket.
    await token(simulator);
    await token(simulator);
    expect(await statuses(simulator, 3)).toEqual([204, 204, 204]);
    expect(simulator.counters().throttled).toBe(0);
  });
});

describe("setFaults", () => {
  it("replaces the fault configuration at run time", async () => {
    const simulator = await start();
    simulator.setFaults({ rules: [{ endpoint: "*", kind: "status", status: 503, times: 1 }] });
    const c = simulator.connection;
    expect((await postForm(c.tokenUrlV2, { grant_type: "client_credentials" })).status).toBe(503);
    simulator.setFaults({});
    expect(await statuses(simulator, 1)).toEqual([204]);
  });

  it("refuses an invalid rule naming where it is", async () => {
    const simulator = await start();
    expect(() => simulator.setFaults({ rules: [{ endpoint: "dequeue", kind: "status", status: 503, rate: 1.5 }] })).toThrow(
      new SimulatorConfigError("must be <= 1", "/rules/0/rate"),
    );
    // A typo in an endpoint name, as a scenario file could carry it.
    const typo = JSON.parse('{ "rules": [{ "endpoint": "dequeu", "kind": "latency", "ms": 1 }] }');
    expect(() => simulator.setFaults(typo)).toThrow(/\/rules\/0\/endpoint: must be one of "\*", "token"/);
  });
});
