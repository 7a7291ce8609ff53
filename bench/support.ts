import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import type { FnoClient } from "../src/client/index.ts";
import { simulatorClient } from "../src/workflows/simulated-run.ts";
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
