import { getEventListeners } from "node:events";
import { afterEach, describe, expect, it } from "vitest";
import { defaultRetryOptions, FnoClient, LoopbackClientSecretCredential } from "../../src/client/index.ts";
import { defaultIds, startSimulator, type Simulator, type SimulatorOptions } from "../../src/simulator/index.ts";
import { syncExports } from "../../src/workflows/export-sync.ts";
import { simulatorClient as clientForSimulator } from "../../src/cli/demo-run.ts";
import { expectedPackages, packagesOnDisk, simulatorClient, tempDir } from "./support.ts";
import { VirtualClock } from "../support/virtual-clock.ts";

const activity = defaultIds.exportActivityId;
const running: Simulator[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((sim) => sim.close()));
});

async function oneLargePackage(options: SimulatorOptions, dataBytes = 24 << 20): Promise<{ sim: Simulator; size: number }> {
  const sim = await startSimulator({
    seed: 11,
    activities: [{ id: activity, direction: "export" }, { id: defaultIds.importActivityId, direction: "import" }],
    ...options,
  });
  running.push(sim);
  const seeded = await sim.seedExport(activity, { kind: "package", dataBytes });
  return { sim, size: seeded.size };
}

describe("resumable downloads", () => {
  it("a reset at 90 % of a large package resumes with Range: the stored SHA-256 matches and only the rest is sent again", async () => {
    const { sim, size } = await oneLargePackage({ rangeRequests: true });
    sim.setFaults({ rules: [{ kind: "reset", endpoint: "download", afterBytes: Math.floor(size * 0.9), times: 1 }] });
    const out = tempDir("fno-resume-");
    const summary = await syncExports({ client: simulatorClient(sim), activityId: activity, outDir: out });
    expect(summary.problems).toEqual([]);
    expect(await packagesOnDisk(out)).toEqual(expectedPackages(sim, activity));
    const counters = sim.counters();
    expect(counters.faultsInjected).toBe(1);
    expect(counters.responses.download).toEqual({ "200": 1, "206": 1 });
    // A restart sends the 90 % written before the reset and then the whole package again. The resume sends
    // only what the client had not read: the rest, plus what was in the sockets' buffers when the reset
    // dropped them (up to megabytes on a busy machine, so no tighter bound holds).
    const restartBytes = Math.floor(size * 0.9) + size;
    expect(counters.downloadBytes).toBeLessThan(restartBytes);
  });

  it("a server that answers a Range request with 200 gets the package again from its first byte, stored intact", async () => {
    const { sim, size } = await oneLargePackage({ rangeRequests: false });
    sim.setFaults({ rules: [{ kind: "reset", endpoint: "download", afterBytes: Math.floor(size * 0.9), times: 1 }] });
    const out = tempDir("fno-resume-");
    const summary = await syncExports({ client: simulatorClient(sim), activityId: activity, outDir: out });
    expect(summary.problems).toEqual([]);
    expect(await packagesOnDisk(out)).toEqual(expectedPackages(sim, activity));
    expect(sim.counters().responses.download).toEqual({ "200": 2 });
    expect(sim.counters().downloadBytes).toBe(Math.floor(size * 0.9) + size);
  });

  it(`a download answered 503 every time is sent ${defaultRetryOptions.maxAttempts} times in all, not retried again by sync (6 × 3 = 18 before)`, async () => {
    const { sim } = await oneLargePackage({}, 64 * 1024);
    sim.setFaults({ rules: [{ kind: "status", endpoint: "download", status: 503 }] });
    const out = tempDir("fno-resume-");
    // The default policy but with millisecond backoff, so the test waits for nothing.
    const client = clientForSimulator(sim.connection, { baseDelayMs: 1, maxDelayMs: 2 });
    const summary = await syncExports({ client, activityId: activity, outDir: out });
    expect(sim.counters().requests.download).toBe(defaultRetryOptions.maxAttempts);
    expect(summary.problems).toEqual([expect.objectContaining({ stage: "download", error: expect.stringMatching(/HTTP 503/) })]);
    expect(summary.acknowledged).toBe(0);
  });
});

describe("long runs", () => {
  it("a sync at the default concurrency prints no listener warning, and leaves no listener on the caller's signal", async () => {
    // Latency on a virtual clock: every request still waits its turn, in no real time.
    const clock = new VirtualClock();
    const stopClock = clock.autoAdvance();
    const sim = await startSimulator({
      seed: 12,
      clock,
      activities: [
        { id: activity, direction: "export", messages: [{ kind: "package", dataBytes: 512, count: 300 }] },
        { id: defaultIds.importActivityId, direction: "import" },
      ],
      faults: { rules: [{ kind: "latency", endpoint: ["dequeue", "download", "ack"], ms: 5 }] },
    });
    running.push(sim);
    const c = sim.connection;
    const client = new FnoClient({
      environmentUrl: c.environmentUrl,
      credential: new LoopbackClientSecretCredential(c.authorityHost, c.tenantId, c.clientId, c.clientSecret),
      now: () => clock.now(),
      sleep: (ms, signal) => clock.sleep(ms, signal),
    });
    const warnings: Error[] = [];
    const onWarning = (warning: Error) => warnings.push(warning);
    process.on("warning", onWarning);
    const caller = new AbortController();
    try {
      const summary = await syncExports({ client, activityId: activity, outDir: tempDir("fno-long-"), signal: caller.signal });
      expect(summary.stored).toBe(300);
    } finally {
      process.off("warning", onWarning);
      stopClock();
    }
    expect(warnings.map((w) => w.name)).not.toContain("MaxListenersExceededWarning");
    expect(getEventListeners(caller.signal, "abort")).toHaveLength(0);
  });
});
