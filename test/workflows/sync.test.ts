import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { FnoClient, FnoError } from "../../src/client/index.ts";
import { LoopbackClientSecretCredential } from "../../src/client/loopback-credential.ts";
import { defaultIds, type FaultOptions, type Simulator, type SimulatorOptions } from "../../src/simulator/index.ts";
import { syncExports, type SyncEvent, type SyncSummary } from "../../src/workflows/export-sync.ts";
import { VirtualClock } from "../support/virtual-clock.ts";
import { expectedPackages, packagesOnDisk, quickRetry, simulatorClient, tempDir } from "./support.ts";
import { simulatorsClosedAfterEach } from "../support/simulators.ts";

const activity = defaultIds.exportActivityId;
const startSimulatorOnVirtualClock = simulatorsClosedAfterEach();

/**
 * A simulator seeded with `messages` packages, on a virtual clock that moves by itself whenever the test is idle
 * (unless the options bring a clock): Retry-After waits, pacing, backoff, latency and visibility timeouts take
 * no real time.
 */
async function simulator(messages: number, options: SimulatorOptions = {}): Promise<Simulator> {
  const { sim } = await startSimulatorOnVirtualClock({
    seed: 7,
    activities: [
      { id: activity, direction: "export", messages: [{ kind: "package", dataBytes: 2048, count: messages }] },
      { id: defaultIds.importActivityId, direction: "import" },
    ],
    ...options,
  });
  return sim;
}

/** The test support's client for `sim`, on the simulator's clock when that is a virtual one (its waits are then virtual too). */
function clientFor(sim: Simulator): FnoClient {
  const clock = sim.clock;
  if (!(clock instanceof VirtualClock)) return simulatorClient(sim);
  const c = sim.connection;
  return new FnoClient({
    environmentUrl: c.environmentUrl,
    credential: new LoopbackClientSecretCredential(c.authorityHost, c.tenantId, c.clientId, c.clientSecret),
    retry: quickRetry,
    now: () => clock.now(),
    sleep: (ms, signal) => clock.sleep(ms, signal),
  });
}

/** Runs a sync and checks the ordering invariant on the way: no message is acknowledged before its file is stored. */
async function sync(sim: Simulator, outDir: string, concurrency = 4, downloadAttempts?: number): Promise<SyncSummary & { events: SyncEvent[] }> {
  const events: SyncEvent[] = [];
  const durable = new Set<string>();
  const summary = await syncExports({
    client: clientFor(sim),
    activityId: activity,
    outDir,
    concurrency,
    ...(downloadAttempts ? { downloadAttempts } : {}),
    onEvent: (event) => {
      events.push(event);
      if (event.type === "stored" || event.type === "duplicate") {
        expect(existsSync(event.file)).toBe(true);
        durable.add(event.correlationId);
      }
      if (event.type === "acknowledged") expect(durable.has(event.correlationId), `ack before store: ${event.correlationId}`).toBe(true);
    },
  });
  return { ...summary, events };
}

function withFaults(sim: Simulator, faults: FaultOptions): void {
  sim.setFaults(faults);
}

describe("sync against the simulator", () => {
  it("drains the queue: every package on disk once, with the seeded bytes, all acknowledged", async () => {
    const sim = await simulator(40);
    const out = tempDir("fno-sync-");
    const summary = await sync(sim, out);
    expect(summary).toMatchObject({ dequeued: 40, stored: 40, acknowledged: 40, duplicates: 0, problems: [] });
    expect(await packagesOnDisk(out)).toEqual(expectedPackages(sim, activity));
    expect(sim.exportMessages(activity).every((m) => m.ackedAt !== null)).toBe(true);

    const again = await sync(sim, out);
    expect(again).toMatchObject({ dequeued: 0, stored: 0, acknowledged: 0 });
  });

  it("survives resets and truncation mid-download without keeping a damaged file", async () => {
    const sim = await simulator(20);
    withFaults(sim, {
      rules: [
        { kind: "reset", endpoint: "download", afterBytes: 100, rate: 0.3, times: 6 },
        { kind: "truncate", endpoint: "download", afterBytes: 200, rate: 0.3, times: 6 },
      ],
    });
    const out = tempDir("fno-sync-");
    // Enough attempts that no message runs out of them whichever requests the dice pick.
    const summary = await sync(sim, out, 4, 13);
    expect(sim.counters().faultsInjected).toBeGreaterThan(0);
    expect(summary.problems).toEqual([]);
    expect(await packagesOnDisk(out)).toEqual(expectedPackages(sim, activity));
  });

  it("one worker: honours every Retry-After of a 429 storm and 503s exactly, sending nothing early", async () => {
    const sim = await simulator(6);
    withFaults(sim, {
      rules: [{ kind: "status", endpoint: ["download", "ack"], status: 503, rate: 0.3, times: 2, retryAfter: 1 }],
      throttle: { ratePerSecond: 20, burst: 3 },
    });
    const out = tempDir("fno-sync-");
    const summary = await sync(sim, out, 1);
    expect(sim.counters().throttled).toBeGreaterThan(0);
    expect(sim.counters().early).toBe(0);
    expect(summary.problems).toEqual([]);
    expect(await packagesOnDisk(out)).toEqual(expectedPackages(sim, activity));
  });

  it("four workers: retries 502/503 bursts under a throttle and sends nothing early once a Retry-After is known", async () => {
    const concurrency = 4;
    const sim = await simulator(15);
    withFaults(sim, {
      rules: [
        { kind: "status", endpoint: ["dequeue", "download", "ack"], status: 502, rate: 0.2, times: 8 },
        { kind: "status", endpoint: ["dequeue", "ack"], status: 503, rate: 0.2, times: 3, retryAfter: 1 },
      ],
      throttle: { ratePerSecond: 30, burst: 5 },
    });
    const out = tempDir("fno-sync-");
    const summary = await sync(sim, out, concurrency);
    const counters = sim.counters();
    expect(counters.throttled).toBeGreaterThan(0);
    // Requests of other workers already on their way when a Retry-After was announced cannot honour it;
    // the simulator counts those apart. Nothing may be sent early once the client knows.
    expect(counters.early).toBe(0);
    expect(counters.inFlightAtAnnouncement).toBeLessThanOrEqual((counters.throttled + 3) * (concurrency - 1));
    expect(summary.problems).toEqual([]);
    expect(await packagesOnDisk(out)).toEqual(expectedPackages(sim, activity));
  });

  it("gets a new token when the token expires mid-run, and rides out a failing token endpoint", async () => {
    const sim = await simulator(12);
    const out = tempDir("fno-sync-");
    withFaults(sim, { rules: [{ kind: "status", endpoint: "token", status: 503, times: 2 }] });
    let expired = false;
    const summary = await syncExports({
      client: clientFor(sim),
      activityId: activity,
      outDir: out,
      concurrency: 2,
      onEvent: (event) => {
        if (event.type === "acknowledged" && !expired) expired = sim.expireTokens() > 0;
      },
    });
    expect(expired).toBe(true);
    expect(summary.problems).toEqual([]);
    expect(sim.counters().tokensIssued).toBeGreaterThanOrEqual(2);
    expect(await packagesOnDisk(out)).toEqual(expectedPackages(sim, activity));
  });

  it("a 500 on dequeue stops the run with F&O's error; a rerun finishes", async () => {
    const sim = await simulator(10);
    withFaults(sim, { rules: [{ kind: "status", endpoint: "dequeue", status: 500, after: 3, times: 1, message: "Simulated X++ failure" }] });
    const out = tempDir("fno-sync-");
    const error = await sync(sim, out, 1).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(FnoError);
    expect((error as FnoError).status).toBe(500);
    expect((error as FnoError).message).toContain("Simulated X++ failure");
    const rerun = await sync(sim, out, 1);
    expect(rerun.problems).toEqual([]);
    expect(await packagesOnDisk(out)).toEqual(expectedPackages(sim, activity));
  });

  it("retries a transiently failing ack; a permanently failing ack leaves the message for a later run, not written twice", async () => {
    const sim = await simulator(8, { clock: { frozen: false } });
    withFaults(sim, { rules: [{ kind: "status", endpoint: "ack", status: 503, times: 3 }] });
    const out = tempDir("fno-sync-");
    expect((await sync(sim, out)).problems).toEqual([]);

    const second = await simulator(6);
    withFaults(second, { rules: [{ kind: "status", endpoint: "ack", status: 500 }] });
    const out2 = tempDir("fno-sync-");
    const failed = await sync(second, out2);
    expect(failed.stored).toBe(6);
    expect(failed.acknowledged).toBe(0);
    expect(failed.problems.map((p) => p.stage)).toEqual(Array(6).fill("acknowledge"));
    expect(second.exportMessages(activity).every((m) => m.ackedAt === null)).toBe(true);

    // Later: the ack works again and the messages have come back after the visibility timeout.
    withFaults(second, {});
    second.clock.advance(31 * 60_000);
    const later = await sync(second, out2);
    expect(later.problems).toEqual([]);
    expect(later.stored).toBe(0);
    expect(later.acknowledged).toBe(6);
    expect(await packagesOnDisk(out2)).toEqual(expectedPackages(second, activity));
  });

  it("reports a message it cannot write and does not acknowledge it", async () => {
    const sim = await simulator(5);
    const out = tempDir("fno-sync-");
    const [victim] = sim.exportMessages(activity);
    // A directory where the package should go: the rename into place fails.
    mkdirSync(path.join(out, `${victim!.correlationId}.zip`, "blocker"), { recursive: true });
    writeFileSync(path.join(out, `${victim!.correlationId}.zip`, "blocker", "x"), "x");
    const summary = await sync(sim, out);
    expect(summary.problems).toHaveLength(1);
    expect(summary.problems[0]).toMatchObject({ correlationId: victim!.correlationId, stage: "download" });
    expect(summary.acknowledged).toBe(4);
    expect(sim.exportMessages(activity).find((m) => m.correlationId === victim!.correlationId)?.ackedAt).toBeNull();
  });

  it("reports a message whose package does not exist, without acknowledging it", async () => {
    const sim = await simulator(2);
    await sim.seedExport(activity, { kind: "missing-file", message: "The file was removed after 7 days" });
    const out = tempDir("fno-sync-");
    const summary = await sync(sim, out);
    expect(summary.problems).toEqual([expect.objectContaining({ stage: "unavailable", error: "The file was removed after 7 days" })]);
    expect(summary.acknowledged).toBe(2);
  });

  it("refuses a folder another live sync holds, and takes over the lock of a dead one", async () => {
    const sim = await simulator(1);
    const out = tempDir("fno-sync-");
    mkdirSync(path.join(out, ".fno-sync"), { recursive: true });
    writeFileSync(path.join(out, ".fno-sync", "lock"), String(process.ppid));
    await expect(sync(sim, out)).rejects.toThrow(`in use by another sync (process ${process.ppid})`);
    writeFileSync(path.join(out, ".fno-sync", "lock"), "2147483646");
    expect((await sync(sim, out)).stored).toBe(1);
    expect(existsSync(path.join(out, ".fno-sync", "lock"))).toBe(false);
  });

  it("one failing worker stops the others: nothing is written after the run returns", async () => {
    const sim = await simulator(60);
    withFaults(sim, {
      rules: [
        { kind: "latency", endpoint: ["download", "ack"], ms: 10 },
        { kind: "status", endpoint: "dequeue", status: 500, after: 10, times: 1 },
      ],
    });
    const out = tempDir("fno-sync-");
    await expect(sync(sim, out, 6)).rejects.toThrow(/Dequeue failed: HTTP 500/);
    const settled = (await packagesOnDisk(out)).size;
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect((await packagesOnDisk(out)).size).toBe(settled);
    expect(existsSync(path.join(out, ".fno-sync", "lock"))).toBe(false);
  });

  it("a stale pop receipt in the journal is settled once, not reported on every rerun", async () => {
    const sim = await simulator(1);
    const out = tempDir("fno-sync-");
    // A run that stored the package and died before acknowledging it.
    withFaults(sim, { rules: [{ kind: "status", endpoint: "ack", status: 500 }] });
    expect((await sync(sim, out)).problems.map((p) => p.stage)).toEqual(["acknowledge"]);
    // Meanwhile the message was dequeued again elsewhere: the journal's pop receipt is stale.
    withFaults(sim, {});
    sim.clock.advance(31 * 60_000);
    await clientFor(sim).dequeue(activity);
    const rerun = await sync(sim, out);
    expect(rerun.problems).toEqual([]);
    expect(sim.counters().staleAcks).toBe(1);
    // Once it is offered again it is acknowledged as already stored.
    sim.clock.advance(31 * 60_000);
    const later = await sync(sim, out);
    expect(later).toMatchObject({ duplicates: 1, acknowledged: 1, problems: [] });
  });

  it("a message redelivered while its download outlasts the visibility timeout is downloaded, stored and acknowledged once", async () => {
    // The first download takes 2.5 s, past the 1 s visibility timeout, while the other worker keeps dequeuing
    // (150 ms per download): it is handed the first message again at about 1 s, while that download still runs.
    const sim = await simulator(20, { visibilityTimeoutSeconds: 1 });
    withFaults(sim, {
      rules: [
        { kind: "latency", endpoint: "download", ms: 2350, times: 1 },
        { kind: "latency", endpoint: "download", ms: 150 },
      ],
    });
    const out = tempDir("fno-sync-");
    const summary = await sync(sim, out, 2);
    expect(summary).toMatchObject({ stored: 20, acknowledged: 20, unfinished: 0, problems: [] });
    expect(summary.redelivered).toBeGreaterThanOrEqual(1);
    // Every extra dequeue is accounted for: handed out while in flight, or found stored with the right bytes.
    expect(summary.dequeued).toBe(20 + summary.redelivered + summary.duplicates);
    expect(sim.counters().requests.download).toBe(20);
    expect(sim.exportMessages(activity).every((m) => m.ackedAt !== null)).toBe(true);
    expect(await packagesOnDisk(out)).toEqual(expectedPackages(sim, activity));
    const storedLines = readFileSync(path.join(out, ".fno-sync", "journal.jsonl"), "utf8")
      .split("\n")
      .filter((line) => line.includes('"type":"stored"'));
    expect(storedLines).toHaveLength(20);
  });

  it("a file under the package's name that does not match what F&O sent is not trusted, and is kept aside, not destroyed", async () => {
    const sim = await simulator(2);
    const [victim] = sim.exportMessages(activity);
    // A run dequeued the message and went away; someone (or something) then left an empty file under its name.
    await clientFor(sim).dequeue(activity);
    sim.clock.advance(31 * 60_000);
    const out = tempDir("fno-sync-");
    const name = `${victim!.correlationId}.zip`;
    writeFileSync(path.join(out, name), "");
    const summary = await sync(sim, out);
    expect(summary).toMatchObject({ stored: 2, duplicates: 0, acknowledged: 2, problems: [] });
    expect(await packagesOnDisk(out)).toEqual(expectedPackages(sim, activity));
    const keptAside = readdirSync(out).filter((n) => n.startsWith(`${name}.replaced-`));
    expect(keptAside).toHaveLength(1);
    expect(readFileSync(path.join(out, keptAside[0]!), "utf8")).toBe("");
    expect(summary.replaced).toEqual([{ correlationId: victim!.correlationId, keptAs: path.join(out, keptAside[0]!) }]);
  });

  it("a stored package changed on disk after it was journaled is downloaded again; an unchanged one is trusted without a download", async () => {
    const sim = await simulator(2);
    const out = tempDir("fno-sync-");
    // The first run stores both packages; the acknowledgements fail, so both come back.
    withFaults(sim, { rules: [{ kind: "status", endpoint: "ack", status: 500 }] });
    expect((await sync(sim, out)).stored).toBe(2);
    withFaults(sim, {});
    const [changed, intact] = sim.exportMessages(activity);
    const changedFile = path.join(out, `${changed!.correlationId}.zip`);
    const original = readFileSync(changedFile);
    // Same length, different bytes: only the SHA-256 tells.
    writeFileSync(changedFile, Buffer.alloc(original.length, 0x41));
    sim.clock.advance(31 * 60_000);
    const downloadsBefore = sim.counters().requests.download;
    const rerun = await sync(sim, out);
    expect(rerun).toMatchObject({ stored: 1, duplicates: 1, acknowledged: 2, problems: [] });
    expect(sim.counters().requests.download - downloadsBefore).toBe(1);
    expect(await packagesOnDisk(out)).toEqual(expectedPackages(sim, activity));
    expect(rerun.replaced.map((r) => r.correlationId)).toEqual([changed!.correlationId]);
    expect(existsSync(path.join(out, `${intact!.correlationId}.zip`))).toBe(true);
  });
});
