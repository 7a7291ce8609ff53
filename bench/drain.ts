import { writeFile } from "node:fs/promises";
import path from "node:path";
import type { FnoClient } from "../src/client/index.ts";
import { defaultIds, startSimulator, type Simulator } from "../src/simulator/index.ts";
import { defaultConcurrency, syncExports } from "../src/workflows/export-sync.ts";
import { clientFor, report, round, timed, withTempDir } from "./support.ts";

const activity = defaultIds.exportActivityId;

async function seeded(messages: number, latencyMs: number): Promise<Simulator> {
  return startSimulator({
    seed: 3,
    activities: [
      { id: activity, direction: "export", messages: [{ kind: "package", dataBytes: 1024, count: messages }] },
      { id: defaultIds.importActivityId, direction: "import" },
    ],
    faults: { rules: [{ kind: "latency", endpoint: ["dequeue", "download", "ack"], ms: latencyMs }] },
  });
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

export async function drainBench(smoke: boolean): Promise<boolean> {
  const messages = smoke ? 150 : 2000;
  const latencyMs = 20;
  const run = async (work: (client: FnoClient, dir: string) => Promise<number>) => {
    const sim = await seeded(messages, latencyMs);
    try {
      return await withTempDir("fno-bench-", (dir) => timed(() => work(clientFor(sim), dir)));
    } finally {
      await sim.close();
    }
  };
  const sync = await run(async (client, dir) => (await syncExports({ client, activityId: activity, outDir: dir })).stored);
  const baseline = await run(schedulerBaseline);
  const ratio = baseline.seconds / sync.seconds;
  return report(
    "drain",
    {
      messages,
      latencyMs,
      concurrency: defaultConcurrency,
      syncSeconds: round(sync.seconds),
      syncStored: sync.result,
      baselineSeconds: round(baseline.seconds),
      baselineStored: baseline.result,
      speedup: round(ratio),
    },
    { "speedup >= 5": ratio >= 5, "all stored": sync.result === messages && baseline.result === messages },
  );
}
