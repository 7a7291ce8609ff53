/**
 * A package upload is streamed from disk: uploading 256 MiB, in one Put Blob or in 4 MiB blocks, must not grow the
 * process by more than a quarter of that (blocks: at most 4 in flight, each of which fetch may hold). Measured in a
 * process of its own (upload-memory-run.ts, garbage collected as it samples); the same file sent with fetch shows
 * the measurement sees a body held in memory.
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
  it("stays flat for a 256 MiB package, in one Put Blob and in blocks, where fetch holds the body", async () => {
    const [single, blocks, viaFetch] = [await measure("--single"), await measure(), await measure("--fetch")];
    for (const upload of [single, blocks]) {
      expect(upload.received).toBe(bytes);
      expect(upload.growth).toBeLessThan(bytes / 4);
    }
    expect(viaFetch.received).toBe(bytes);
    expect(viaFetch.growth).toBeGreaterThan(bytes / 2);
  });
});
