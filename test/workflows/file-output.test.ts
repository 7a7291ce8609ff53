import { existsSync, readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { streamInto, writeFileThroughPartial } from "../../src/workflows/package-store.ts";
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
