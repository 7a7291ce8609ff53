import { createReadStream, createWriteStream, existsSync, mkdtempSync, rmSync, statSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { pipeline } from "node:stream/promises";
import { LoopbackClientSecretCredential } from "../src/client/index.ts";
import { scopeFor } from "../src/client/auth.ts";
import { generatedPackage } from "../src/simulator/export-package.ts";
import { defaultIds, startSimulator } from "../src/simulator/index.ts";
import { compileCli, measured, median, repoRoot, report, round, withTempDir, type Measured } from "./support.ts";

const candidates = [
  "fetch+pipeline",
  "fetch+syncWrites",
  "undici.request+pipeline",
  "undici.request+syncWrites",
  "undici.request+1MiBwritev",
  "undici.stream",
  "http(1MiB hwm)+pipeline",
  "http(1MiB hwm)+syncWrites",
];

/**
 * A pre-built package served from a file (node:http, 1 MiB reads), the same server for every client: the
 * simulator builds zips in JavaScript while it serves, which would put its own CPU cost on the 2 cores the
 * clients share. Any bearer token is accepted.
 */
async function fileServer(file: string): Promise<{ server: Server; url: string }> {
  const size = statSync(file).size;
  const server = createServer((_req, res) => {
    res.writeHead(200, { "content-type": "application/octet-stream", "content-length": size });
    createReadStream(file, { highWaterMark: 1 << 20 }).pipe(res);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return { server, url: `http://127.0.0.1:${port}/api/connector/download/package.zip` };
}

/**
 * curl, the download path (bench/download-path.mjs: FnoClient.downloadTo into a FileSink, compiled, as the CLI
 * runs it but without the CLI's start-up) and the whole CLI, alternating, `runs` times per size and source;
 * medians. Two sources: a pre-built package file (the target is judged on it) and the simulator, which generates
 * the zip while it serves. `--candidates` adds the other ways of downloading (bench/download-candidates.mjs).
 */
export async function downloadBench(smoke: boolean, withCandidates = false): Promise<boolean> {
  const sizes = smoke ? [16 << 20, 64 << 20] : [256 << 20, 1 << 30];
  const runs = smoke ? 1 : 3;
  const cliMain = await compileCli();
  const sim = await startSimulator({ seed: 5 });
  // Downloads land on tmpfs when there is one: disk writeback, shared with everything else on the machine,
  // would otherwise decide which side of a pair is slower.
  const outDir = mkdtempSync(path.join(existsSync("/dev/shm") ? "/dev/shm" : tmpdir(), "fno-bench-"));
  const c = sim.connection;
  const token = (await new LoopbackClientSecretCredential(c.authorityHost, c.tenantId, c.clientId, c.clientSecret).getToken(scopeFor(c.environmentUrl))).token;
  try {
    const results = [];
    for (const size of sizes) {
      const seeded = await sim.seedExport(defaultIds.exportActivityId, { kind: "package", dataBytes: size });
      const bySource = await withTempDir("fno-bench-", async (dir) => {
        const source = path.join(dir, "served.zip");
        const opened = await generatedPackage({ entity: "Customers V3", dataBytes: size, contentSeed: 5 }).open();
        await pipeline(opened.stream, createWriteStream(source));
        const { server, url } = await fileServer(source);
        try {
          return {
            file: await measureAll(url, opened.size),
            simulator: await measureAll(seeded.downloadLocation!, seeded.size),
          };
        } finally {
          await new Promise((resolve) => server.close(resolve));
        }
      });
      const mb = size / (1 << 20);
      results.push({ sizeMb: round(mb), runs, fromFile: summarise(bySource.file, mb), fromSimulator: summarise(bySource.simulator, mb) });
    }
    const largest = results.at(-1)!;
    const smallest = results[0]!;
    return report(
      "download",
      {
        sizes: results,
        note:
          "transfer times: curl's time_total against the download path's own timing (process start-up excluded on both sides); " +
          "cli: the whole `fno-connector download` process, start-up included (about 0.4 s compiled, for loading every command's modules)",
      },
      {
        "download path >= 0.95 x curl (largest, pre-built file, median)": largest.fromFile.downloadPath.ratioToCurl >= 0.95,
        "peak RSS < 150 MB (CLI)": results.every((r) => r.fromFile.cli.peakRssMb < 150 && r.fromSimulator.cli.peakRssMb < 150),
        "RSS flat as size grows (< +20 MB, CLI)": largest.fromFile.cli.peakRssMb - smallest.fromFile.cli.peakRssMb < 20,
      },
    );
  } finally {
    rmSync(outDir, { recursive: true, force: true });
    await sim.close();
  }

  /** Every client on `url`, alternating, `runs` times. */
  async function measureAll(url: string, size: number): Promise<Record<string, Measured[]>> {
    const file = path.join(outDir, "package.zip");
    const samples: Record<string, Measured[]> = {};
    const add = async (name: string, command: string, args: string[], env?: NodeJS.ProcessEnv) => {
      (samples[name] ??= []).push(await measured(command, args, env));
      if (statSync(file).size !== size) throw new Error(`${name} wrote ${statSync(file).size} of ${size} bytes`);
      rmSync(file);
    };
    for (let i = 0; i < runs; i++) {
      await add("curl", "curl", ["-sS", "-o", file, "-w", "%{time_total}\n", "-H", `Authorization: Bearer ${token}`, url]);
      await add("path", process.execPath, [path.join(repoRoot, "bench/download-path.mjs"), url, file, token]);
      // The token comes from the simulator; the pre-built file is on another origin, so no token is sent there.
      const cli = [cliMain, "download", url, "--out", file, "--url", c.environmentUrl, "--tenant", c.tenantId, "--client-id", c.clientId, "--authority-host", c.authorityHost];
      await add("cli", process.execPath, cli, { ...process.env, AZURE_CLIENT_SECRET: c.clientSecret });
      for (const mode of withCandidates ? candidates : []) {
        await add(mode, process.execPath, [path.join(repoRoot, "bench/download-candidates.mjs"), mode, url, file, token]);
      }
    }
    return samples;
  }

  function summarise(figures: Record<string, Measured[]>, mb: number) {
    const curl = median(figures.curl!.map((m) => m.transfer));
    const against = (list: Measured[]) => {
      const transfer = median(list.map((m) => m.transfer));
      return {
        MBps: round(mb / transfer),
        ratioToCurl: round(curl / transfer),
        // Each run's ratio against the curl run just before it: how noisy the pairs were.
        ratios: list.map((m, i) => round(figures.curl![i]!.transfer / m.transfer)),
        peakRssMb: round(Math.max(...list.map((m) => m.peakMb)), 1),
      };
    };
    const cliWall = median(figures.cli!.map((m) => m.wall));
    return {
      curl: { MBps: round(mb / curl), seconds: figures.curl!.map((m) => round(m.transfer)) },
      downloadPath: against(figures.path!),
      cli: { wallSeconds: round(cliWall), wallRatioToCurl: round(median(figures.curl!.map((m) => m.wall)) / cliWall), peakRssMb: round(Math.max(...figures.cli!.map((m) => m.peakMb)), 1) },
      ...(withCandidates ? { candidates: Object.fromEntries(candidates.map((name) => [name, against(figures[name]!)])) } : {}),
    };
  }
}
