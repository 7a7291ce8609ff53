import { execFile } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import type { FnoClient } from "../src/client/index.ts";
import { simulatorClient } from "../src/cli/demo-run.ts";
import type { Simulator } from "../src/simulator/index.ts";

export function clientFor(sim: Simulator): FnoClient {
  return simulatorClient(sim.connection);
}

export async function withTempDir<T>(prefix: string, run: (dir: string) => Promise<T>): Promise<T> {
  const dir = mkdtempSync(path.join(tmpdir(), prefix));
  try {
    return await run(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export async function timed<T>(run: () => Promise<T>): Promise<{ result: T; seconds: number }> {
  const started = performance.now();
  const result = await run();
  return { result, seconds: (performance.now() - started) / 1000 };
}

/** Every benchmark prints one JSON line: its name, the figures, the ratios and whether each target was met. */
export function report(name: string, figures: Record<string, unknown>, targets: Record<string, boolean>): boolean {
  process.stdout.write(JSON.stringify({ bench: name, ...figures, targets }) + "\n");
  return Object.values(targets).every(Boolean);
}

export const round = (n: number, digits = 2) => Math.round(n * 10 ** digits) / 10 ** digits;

/** The middle value (the mean of the two middle ones for an even count). */
export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

export const repoRoot = path.resolve(import.meta.dirname, "..");
const run = promisify(execFile);

/**
 * Compiles the sources to dist/js, as `npm ci` does for a fresh clone, so the CLI runs compiled and no
 * measurement pays for tsx. Type errors elsewhere in the tree do not stop the output from being written.
 */
export async function compileCli(): Promise<string> {
  await run(path.join(repoRoot, "node_modules/.bin/tsc"), ["-p", path.join(repoRoot, "tsconfig.build.json")]).catch(() => undefined);
  return path.join(repoRoot, "dist/js/cli/main.js");
}

export interface Measured {
  /** Seconds the command reported for its own work (the last stdout line's JSON `seconds`, or a bare number); else the wall time. */
  transfer: number;
  /** The whole process, start-up included. */
  wall: number;
  /** User plus system CPU seconds of the process. */
  cpu: number;
  peakMb: number;
  stdout: string;
  stderr: string;
}

/** Runs a command under GNU time (wall seconds, peak RSS, CPU seconds). */
export async function measured(command: string, args: string[], env: NodeJS.ProcessEnv = process.env): Promise<Measured> {
  const { stdout, stderr } = await run("/usr/bin/time", ["-f", "%e %M %U %S", command, ...args], { env, maxBuffer: 64 << 20 });
  const lines = stderr.trim().split("\n");
  const [wall, kb, user, system] = lines.at(-1)!.split(" ").map(Number) as [number, number, number, number];
  const last = stdout.trim().split("\n").at(-1) ?? "";
  const own = last.startsWith("{") ? (JSON.parse(last) as { seconds?: number }).seconds : Number(last);
  const transfer = own !== undefined && Number.isFinite(own) && own > 0 ? own : wall;
  return { transfer, wall, cpu: user + system, peakMb: kb / 1024, stdout, stderr: lines.slice(0, -1).join("\n") };
}
