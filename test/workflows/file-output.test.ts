import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import type { DownloadSink } from "../../src/client/index.ts";
import { fillTemporary, streamInto, writeFileThroughPartial } from "../../src/workflows/package-store.ts";
import { tempDir } from "./support.ts";

const stream = (...chunks: string[]): ReadableStream<Uint8Array> =>
  new ReadableStream({
    start(controller) {
      for (const chunk of chunks) controller.enqueue(new TextEncoder().encode(chunk));
      controller.close();
    },
  });

/** The one path every download to a file takes (download --out, invoke --out; sync's store shares its parts). */
describe("writeFileThroughPartial with streamInto", () => {
  it("writes the file whole, and nothing else is left beside it", async () => {
    const dir = tempDir("fno-out-");
    const file = path.join(dir, "package.zip");
    expect(await writeFileThroughPartial(file, (sink) => streamInto(sink, stream("PK", "\u0005\u0006"), 4))).toBe(4);
    expect(readFileSync(file, "latin1")).toBe("PK\u0005\u0006");
    expect(readdirSync(dir)).toEqual(["package.zip"]);
  });

  it("refuses a body shorter than its Content-Length, leaving no file and no partial file", async () => {
    const dir = tempDir("fno-out-");
    const file = path.join(dir, "package.zip");
    await expect(writeFileThroughPartial(file, (sink) => streamInto(sink, stream("PK"), 10))).rejects.toThrow(/truncated: received 2 of 10 bytes/);
    expect(existsSync(file)).toBe(false);
    expect(readdirSync(dir)).toEqual([]);
  });
});

/** fillTemporary opens its file while the fill starts: bytes may arrive before the file is open. */
describe("fillTemporary", () => {
  it("writes bytes that came before the file was open, in order, even when the fill ends before their writes settle", async () => {
    const dir = tempDir("fno-fill-");
    // One reused buffer, as a download's reads: its bytes are replaced once a write has been answered.
    const buffer = Buffer.alloc(2);
    const chunked = await fillTemporary(
      path.join(dir, "missing-folder", "chunked.part"),
      async (target) => {
        for (const chunk of ["PK", "\u0005\u0006", "zz"]) {
          buffer.write(chunk, "latin1");
          await target.write(buffer);
        }
        return "filled";
      },
      { flush: true, hash: true, makeFolder: true },
    );
    expect(chunked.result).toBe("filled");
    expect(chunked.sink.bytes).toBe(6);
    expect(readFileSync(path.join(dir, "missing-folder", "chunked.part"), "latin1")).toBe("PK\u0005\u0006zz");
    // A one-chunk download whose body ended before its write's promise settled: the download is over, and its
    // buffer may take the next response's bytes, while the file is still being opened.
    const ended = await fillTemporary(
      path.join(dir, "ended.part"),
      async (target) => {
        buffer.write("PK", "latin1");
        void target.write(buffer);
        buffer.write("no", "latin1");
      },
      { flush: true, hash: true },
    );
    expect(ended.sink.bytes).toBe(2);
    expect(readFileSync(path.join(dir, "ended.part"), "latin1")).toBe("PK");
  });

  it("a file that cannot be created fails the fill that writes to it; a fill that fails first reports its own failure", async () => {
    const dir = tempDir("fno-fill-");
    // Its folder is missing and not to be made: the open fails whoever runs the test, root included.
    const tmp = path.join(dir, "missing-folder", "package.part");
    await expect(fillTemporary(tmp, async (target) => void (await target.write(Buffer.from("PK"))), { flush: true, hash: false })).rejects.toThrow(/ENOENT/);
    await expect(fillTemporary(tmp, () => Promise.reject(new Error("HTTP 404")), { flush: true, hash: false })).rejects.toThrow("HTTP 404");
    expect(readdirSync(dir)).toEqual([]);
  });

  it("reports the fill's own failure when the temporary file's folder is a file (the cleanup fails too)", async () => {
    const dir = tempDir("fno-fill-");
    writeFileSync(path.join(dir, "not-a-folder"), "x");
    const tmp = path.join(dir, "not-a-folder", "package.part");
    await expect(fillTemporary(tmp, () => Promise.reject(new Error("HTTP 404")), { flush: true, hash: false })).rejects.toThrow("HTTP 404");
  });

  it("checks what was written while the file is synced and closed: the check's answer is returned, and a failed check leaves no file", async () => {
    const dir = tempDir("fno-fill-");
    const tmp = path.join(dir, "package.part");
    const fill = async (target: DownloadSink) => void (await target.write(Buffer.from("PK")));
    const checked = await fillTemporary(tmp, fill, { flush: true, hash: false, keepBytes: 16, whileClosing: async (sink) => sink.contents()?.toString("latin1") });
    expect(checked.checked).toBe("PK");
    await expect(fillTemporary(tmp, fill, { flush: true, hash: false, whileClosing: () => Promise.reject(new Error("not a readable zip")) })).rejects.toThrow("not a readable zip");
    expect(readdirSync(dir)).toEqual([]);
  });
});
