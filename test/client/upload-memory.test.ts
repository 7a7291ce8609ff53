/**
 * A package upload is streamed from disk: uploading 256 MiB, in one Put Blob or in blocks, must not grow the process
 * by more than a quarter of that. Measured in a process of its own (upload-memory-run.ts, garbage collected as it
 * samples, the sink in another process); every streamed mode measured 18–30 MB (allocator churn, whatever the mode
 * or the file's size), so the bound is over twice that. 32 MiB blocks, 4 in flight, show that blocks are streamed
 * too: sent with fetch, as they once were, they grew the process by about 270 MB. The same file sent with fetch
 * shows the measurement sees a body held in memory.
 */
import { execFile } from "node:child_process";
import path from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";

const bytes = 256 * 1024 * 1024;
const script = path.join(import.meta.dirname, "upload-memory-run.ts");

async function measure(...flags: string[]): Promise<{ received: number; growth: number }> {
  const { stdout } = await promisify(execFile)(process.execPath, ["--expose-gc", "--import", "tsx", script, String(bytes), ...flags]);
  return JSON.parse(stdout) as { received: number; growth: number };
}

describe("uploadBlob's memory", () => {
  it("stays flat for a 256 MiB package, in one Put Blob and in blocks of 4 and 32 MiB, where fetch holds the body", { timeout: 120_000 }, async () => {
    // One at a time: the machine's cores are shared, and a concurrent run would be measured too.
    const streamed = { single: await measure("--single"), blocks: await measure(), largeBlocks: await measure("--large-blocks") };
    const viaFetch = await measure("--fetch");
    for (const [mode, upload] of Object.entries(streamed)) {
      expect(upload.received, mode).toBe(bytes);
      expect(upload.growth, mode).toBeLessThan(bytes / 4);
    }
    expect(viaFetch.received).toBe(bytes);
    expect(viaFetch.growth).toBeGreaterThan(bytes / 2);
  });
});
