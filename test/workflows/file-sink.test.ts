/**
 * FileSink holds a download's chunks and writes them in batches with one positioned writev: what lands in the file
 * must be exactly the bytes taken, in order, across batch boundaries, restarts and a final partial batch.
 */
import { createHash, randomBytes } from "node:crypto";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { FileSink } from "../../src/workflows/package-store.ts";

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), "file-sink-"));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** `total` bytes cut into chunks of 1 to `largest` bytes, from a fixed sequence of sizes. */
function chunked(total: number, largest: number): Buffer[] {
  const bytes = randomBytes(total);
  const chunks: Buffer[] = [];
  for (let at = 0, i = 0; at < total; i++) {
    const size = Math.min(total - at, 1 + ((i * 7919) % largest));
    chunks.push(bytes.subarray(at, at + size));
    at += size;
  }
  return chunks;
}

const sha256 = (data: Buffer) => createHash("sha256").update(data).digest("hex");

describe("FileSink", () => {
  it("writes more chunks than one writev call takes (IOV_MAX is 1024) when it closes", async () => {
    const file = path.join(dir, "small-chunks");
    const chunks = chunked(40_000, 16); // about 4,700 chunks, all held until close
    const sink = await FileSink.open(file, { hash: true });
    for (const chunk of chunks) sink.write(chunk);
    await sink.close({ flush: true });
    const expected = Buffer.concat(chunks);
    expect(chunks.length).toBeGreaterThan(1024);
    // Compared by hash: a failing toEqual on megabytes would spend minutes printing the diff.
    expect(sha256(await readFile(file))).toBe(sha256(expected));
    expect(sink.digest()).toBe(sha256(expected));
  });

  it("keeps bytes in order across batch boundaries, and a restart writes from the start of the emptied file", async () => {
    const file = path.join(dir, "restarted");
    const sink = await FileSink.open(file, { hash: true });
    for (const chunk of chunked(3 * 1024 * 1024 + 123, 70_000)) sink.write(chunk); // three batches written, a part held
    sink.restart();
    const second = chunked(2 * 1024 * 1024 + 4567, 65_536);
    for (const chunk of second) sink.write(chunk);
    await sink.close({ flush: false });
    const expected = Buffer.concat(second);
    expect(sink.bytes).toBe(expected.length);
    expect(sha256(await readFile(file))).toBe(sha256(expected));
    expect(sink.digest()).toBe(sha256(expected));
  });
});
