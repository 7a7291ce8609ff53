import { execFile } from "node:child_process";
import { statSync } from "node:fs";
import path from "node:path";
import { promisify } from "node:util";
import { LoopbackClientSecretCredential } from "../src/client/index.ts";
import { scopeFor } from "../src/client/auth.ts";
import { defaultIds, startSimulator } from "../src/simulator/index.ts";
import { report, round, withTempDir } from "./support.ts";

const run = promisify(execFile);
const activity = defaultIds.exportActivityId;
const repoRoot = path.resolve(import.meta.dirname, "..");

/** Runs a command under GNU time; returns wall seconds and peak RSS in MB. */
async function measured(command: string, args: string[], env: NodeJS.ProcessEnv = process.env): Promise<{ seconds: number; peakMb: number }> {
  const { stderr } = await run("/usr/bin/time", ["-f", "%e %M", command, ...args], { env, maxBuffer: 1 << 20 });
  const [seconds, kb] = stderr.trim().split("\n").at(-1)!.split(" ").map(Number) as [number, number];
  return { seconds, peakMb: kb / 1024 };
}

export async function downloadBench(smoke: boolean): Promise<boolean> {
  const sizes = smoke ? [16 << 20, 64 << 20] : [256 << 20, 1 << 30];
  const sim = await startSimulator({ seed: 5, activities: [{ id: activity, direction: "export" }, { id: defaultIds.importActivityId, direction: "import" }] });
  try {
    const c = sim.connection;
    const token = (await new LoopbackClientSecretCredential(c.authorityHost, c.tenantId, c.clientId, c.clientSecret).getToken(scopeFor(c.environmentUrl))).token;
    const results = [];
    for (const size of sizes) {
      const seeded = await sim.seedExport(activity, { kind: "package", dataBytes: size });
      const url = seeded.downloadLocation!;
      const figures = await withTempDir("fno-bench-", async (dir) => {
        const file = path.join(dir, "package.zip");
        // Best of two for each, alternating, so neither side gets only the warm cache.
        let curl = Infinity;
        let cli = { seconds: Infinity, peakMb: 0 };
        for (let i = 0; i < 2; i++) {
          curl = Math.min(curl, (await measured("curl", ["-sS", "-o", file, "-H", `Authorization: Bearer ${token}`, url])).seconds);
          const ours = await measured(
            process.execPath,
            [path.join(repoRoot, "bin/fno-connector.js"), "download", url, "--out", file, "--url", c.environmentUrl, "--tenant", c.tenantId, "--client-id", c.clientId, "--authority-host", c.authorityHost],
            { ...process.env, AZURE_CLIENT_SECRET: c.clientSecret },
          );
          if (statSync(file).size !== seeded.size) throw new Error(`download wrote ${statSync(file).size} of ${seeded.size} bytes`);
          cli = { seconds: Math.min(cli.seconds, ours.seconds), peakMb: Math.max(cli.peakMb, ours.peakMb) };
        }
        return { curl, cli };
      });
      const mb = seeded.size / (1 << 20);
      results.push({
        sizeMb: round(mb),
        curlMBps: round(mb / figures.curl),
        cliMBps: round(mb / figures.cli.seconds),
        throughputRatio: round(figures.curl / figures.cli.seconds),
        cliPeakRssMb: round(figures.cli.peakMb, 1),
      });
    }
    const largest = results.at(-1)!;
    const smallest = results[0]!;
    return report(
      "download",
      { sizes: results, note: "CLI times include its start-up (about 0.2 s compiled, 0.5 s through tsx)" },
      {
        "throughput >= 0.8 x curl (largest)": largest.throughputRatio >= 0.8,
        "peak RSS < 150 MB": results.every((r) => r.cliPeakRssMb < 150),
        "RSS flat as size grows (< +20 MB)": largest.cliPeakRssMb - smallest.cliPeakRssMb < 20,
      },
    );
  } finally {
    await sim.close();
  }
}
