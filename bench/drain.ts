import { writeFile } from "node:fs/promises";
import path from "node:path";
import type { FnoClient } from "../src/client/index.ts";
import { defaultIds, endpointNames, startSimulator, type Simulator } from "../src/simulator/index.ts";
import { seedLimits } from "../src/simulator/schema.ts";
import { defaultConcurrency } from "../src/workflows/export-sync.ts";
import { clientFor, compileCli, measured, report, round, timed, withTempDir } from "./support.ts";

const activity = defaultIds.exportActivityId;
const latencyMs = 20;

/** `messages` small packages queued, every dequeue, download and ack answered `latencyMs` late. */
async function seeded(messages: number): Promise<Simulator> {
  // One seeding queues at most seedLimits.messages; the rest are queued one by one after the start.
  const first = Math.min(messages, seedLimits.messages);
  const sim = await startSimulator({
    seed: 3,
    activities: [
      { id: activity, direction: "export", messages: [{ kind: "package", dataBytes: 1024, count: first }] },
      { id: defaultIds.importActivityId, direction: "import" },
    ],
    faults: { rules: [{ kind: "latency", endpoint: ["dequeue", "download", "ack"], ms: latencyMs }] },
  });
  for (let i = first; i < messages; i++) await sim.seedExport(activity, { kind: "package", dataBytes: 1024 });
  return sim;
}

/**
 * The Recurring Integrations Scheduler's order of work (fno-api.md §3.3): dequeue everything first, then
 * download and acknowledge one message at a time.
 */
async function schedulerBaseline(client: FnoClient, outDir: string): Promise<number> {
  const messages = [];
  for (;;) {
    const next = await client.dequeue(activity);
    if (next.kind === "empty") break;
    messages.push(next.message);
  }
  for (const message of messages) {
    const download = await client.download(message);
    await writeFile(path.join(outDir, `${message.CorrelationId}.zip`), Buffer.from(await new Response(download.body).arrayBuffer()));
    await client.acknowledge(activity, message);
  }
  return messages.length;
}

/**
 * `fno-connector sync` (compiled, in its own process, so its peak RSS is its own) at its default concurrency,
 * at two queue sizes: time against the latency-bound ideal (every request waits `latencyMs` and `concurrency`
 * wait at once: requests × latency ÷ concurrency), peak RSS, and any warning it printed. The smaller size is
 * also run the Recurring Integrations Scheduler's way for the speed-up.
 */
export async function drainBench(smoke: boolean): Promise<boolean> {
  const sizes = smoke ? [150, 600] : [2000, 20_000];
  const cliMain = await compileCli();
  const runs = [];
  for (const messages of sizes) {
    const sim = await seeded(messages);
    try {
      const c = sim.connection;
      const outcome = await withTempDir("fno-bench-", (dir) =>
        measured(
          process.execPath,
          [cliMain, "sync", "--activity", activity, "--out", dir, "--json", "--url", c.environmentUrl, "--tenant", c.tenantId, "--client-id", c.clientId, "--authority-host", c.authorityHost],
          { ...process.env, AZURE_CLIENT_SECRET: c.clientSecret },
        ),
      );
      const summary = JSON.parse(outcome.stdout.trim().split("\n").at(-1)!) as { stored: number; seconds: number };
      const counters = sim.counters();
      const requests = endpointNames.filter((e) => e !== "token").reduce((sum, e) => sum + counters.requests[e], 0);
      const idealSeconds = (requests * latencyMs) / 1000 / defaultConcurrency;
      runs.push({
        messages,
        stored: summary.stored,
        requests,
        seconds: round(summary.seconds),
        idealSeconds: round(idealSeconds),
        efficiency: round(idealSeconds / summary.seconds),
        // CPU the sync process used, as a share of its wall time: what the rest of the ideal is lost to.
        cpuSeconds: round(outcome.cpu),
        peakRssMb: round(outcome.peakMb, 1),
        warnings: outcome.stderr.split("\n").filter((line) => /Warning/.test(line)),
      });
    } finally {
      await sim.close();
    }
  }
  const small = runs[0]!;
  const large = runs.at(-1)!;
  const baselineSim = await seeded(small.messages);
  let baseline;
  try {
    baseline = await withTempDir("fno-bench-", (dir) => timed(() => schedulerBaseline(clientFor(baselineSim), dir)));
  } finally {
    await baselineSim.close();
  }
  const speedup = baseline.seconds / small.seconds;
  return report(
    "drain",
    {
      latencyMs,
      concurrency: defaultConcurrency,
      sync: runs,
      baselineSeconds: round(baseline.seconds),
      baselineStored: baseline.result,
      speedup: round(speedup),
    },
    {
      "speedup >= 5": speedup >= 5,
      "efficiency >= 75% of the latency-bound ideal": small.efficiency >= 0.75 && large.efficiency >= 0.75,
      [`peak RSS flat from ${small.messages} to ${large.messages} messages (< +20 MB)`]: large.peakRssMb - small.peakRssMb < 20,
      "no warnings": runs.every((r) => r.warnings.length === 0),
      "all stored": runs.every((r) => r.stored === r.messages) && baseline.result === small.messages,
    },
  );
}
