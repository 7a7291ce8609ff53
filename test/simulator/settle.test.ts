/**
 * Simulator.settle: once it resolves, no request sent before it changes state (crash.test.ts kills a client
 * mid-request and then moves the clock past the visibility timeout; a dequeue handled after the move hid its
 * message from the rerun).
 */
import { describe, expect, it } from "vitest";
import { simulatorClient } from "../../src/cli/demo-run.ts";
import { defaultIds, startSimulator } from "../../src/simulator/index.ts";

describe("Simulator.settle", () => {
  it("waits for the requests being handled", async () => {
    const sim = await startSimulator({
      seed: 1,
      activities: [{ id: defaultIds.exportActivityId, direction: "export", messages: [{ kind: "package", dataBytes: 64, count: 1 }] }],
      faults: { rules: [{ kind: "latency", endpoint: "dequeue", ms: 300 }] },
    });
    try {
      const dequeued = simulatorClient(sim.connection).dequeue(defaultIds.exportActivityId);
      // The request is in the handler, held by the latency, when settle is called.
      while (sim.counters().requests.dequeue === 0) await new Promise((resolve) => setTimeout(resolve, 5));
      await sim.settle();
      expect(sim.exportMessages(defaultIds.exportActivityId).map((m) => m.dequeueCount)).toEqual([1]);
      expect((await dequeued).kind).toBe("message");
    } finally {
      await sim.close();
    }
  });
});
