import { afterEach } from "vitest";
import { startSimulator, type Simulator, type SimulatorOptions } from "../../src/simulator/index.ts";
import { VirtualClock } from "./virtual-clock.ts";

/**
 * Starts simulators on virtual clocks that move by themselves whenever the test is idle (Retry-After waits,
 * pacing, backoff, latency and visibility timeouts take no real time), and closes each one, stopping its clock,
 * after the test that started it. Call once at the top of a test file.
 */
export function simulatorsClosedAfterEach(): (options?: SimulatorOptions) => Promise<{ sim: Simulator; clock: VirtualClock }> {
  const running: Simulator[] = [];
  const stopClocks: Array<() => void> = [];
  afterEach(async () => {
    for (const stop of stopClocks.splice(0)) stop();
    await Promise.all(running.splice(0).map((sim) => sim.close()));
  });
  return async (options = {}) => {
    const clock = new VirtualClock();
    stopClocks.push(clock.autoAdvance());
    const sim = await startSimulator({ clock, ...options });
    running.push(sim);
    return { sim, clock };
  };
}
