import { defaultIds, endpointNames, startSimulator } from "../src/simulator/index.ts";
import { syncExports } from "../src/workflows/export-sync.ts";
import { clientFor, report, round, timed, withTempDir } from "./support.ts";

const activity = defaultIds.exportActivityId;

export async function throttleBench(smoke: boolean): Promise<boolean> {
  const ratePerSecond = 50;
  const messages = smoke ? 100 : 600;
  const sim = await startSimulator({
    seed: 9,
    activities: [
      { id: activity, direction: "export", messages: [{ kind: "package", dataBytes: 1024, count: messages }] },
      { id: defaultIds.importActivityId, direction: "import" },
    ],
    // A bucket that holds one second of requests, the usual token-bucket sizing.
    faults: { throttle: { ratePerSecond, burst: ratePerSecond } },
  });
  try {
    const { result, seconds } = await withTempDir("fno-bench-", (dir) =>
      timed(() => syncExports({ client: clientFor(sim), activityId: activity, outDir: dir })),
    );
    const counters = sim.counters();
    const environmentRequests = endpointNames.filter((e) => e !== "token").reduce((sum, e) => sum + counters.requests[e], 0);
    const accepted = environmentRequests - counters.throttled;
    const achieved = accepted / seconds;
    const share429 = counters.throttled / environmentRequests;
    return report(
      "throttle",
      {
        ratePerSecond,
        messages,
        seconds: round(seconds),
        requests: environmentRequests,
        throttled: counters.throttled,
        early: counters.early,
        inFlightAtAnnouncement: counters.inFlightAtAnnouncement,
        achievedPerSecond: round(achieved),
        achievedShare: round(achieved / ratePerSecond),
        share429: round(share429, 4),
        stored: result.stored,
      },
      {
        "achieved >= 85% of the limit": achieved >= 0.85 * ratePerSecond,
        "429s <= 5% of requests": share429 <= 0.05,
        "none sent early": counters.early === 0,
        "all stored": result.stored === messages,
      },
    );
  } finally {
    await sim.close();
  }
}
