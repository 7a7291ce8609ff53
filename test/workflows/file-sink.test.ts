/**
 * FileSink writes each chunk at its position as it comes, and must not keep it (a download's chunks are views of
 * one reused read buffer): what lands in the file must be exactly the bytes taken, in order, across restarts.
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
  it("is done with each chunk when write returns: the caller may overwrite it at once", async () => {
    const file = path.join(dir, "borrowed");
    const chunks = chunked(300_000, 70_000);
    const expected = Buffer.concat(chunks);
    const sink = await FileSink.open(file, { hash: true, keepBytes: 1 << 20 });
    // One buffer for every chunk, overwritten with the next chunk's bytes (and garbage past them), as a socket's
    // reused read buffer is.
    const reused = Buffer.alloc(70_000);
    for (const chunk of chunks) {
      reused.fill(0xee);
      chunk.copy(reused);
      sink.write(reused.subarray(0, chunk.length));
    }
    reused.fill(0xee);
    await sink.close({ flush: true });
    // Compared by hash: a failing toEqual on megabytes would spend minutes printing the diff.
    expect(sha256(await readFile(file))).toBe(sha256(expected));
    expect(sink.digest()).toBe(sha256(expected));
    expect(sha256(sink.contents()!)).toBe(sha256(expected));
  });

  it("keeps bytes in order across many small chunks", async () => {
    const file = path.join(dir, "small-chunks");
    const chunks = chunked(40_000, 16); // about 4,700 chunks
    const sink = await FileSink.open(file, { hash: true });
    for (const chunk of chunks) sink.write(chunk);
    await sink.close({ flush: true });
    const expected = Buffer.concat(chunks);
    // Compared by hash: a failing toEqual on megabytes would spend minutes printing the diff.
    expect(sha256(await readFile(file))).toBe(sha256(expected));
    expect(sink.digest()).toBe(sha256(expected));
  });

  it("keeps bytes in order, and a restart writes from the start of the emptied file", async () => {
    const file = path.join(dir, "restarted");
    const sink = await FileSink.open(file, { hash: true });
    for (const chunk of chunked(3 * 1024 * 1024 + 123, 70_000)) sink.write(chunk);
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
