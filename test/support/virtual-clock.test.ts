import { rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { VirtualClock } from "./virtual-clock.ts";

describe("VirtualClock", () => {
  it("fires sleeps when advanced past them, in time order, and not before", async () => {
    const clock = new VirtualClock(0);
    const woke: string[] = [];
    const late = clock.sleep(300).then(() => woke.push("late"));
    const early = clock.sleep(100).then(() => woke.push("early"));
    clock.advance(99);
    await Promise.resolve();
    expect(woke).toEqual([]);
    clock.advance(201);
    await Promise.all([late, early]);
    expect(woke).toEqual(["early", "late"]);
    expect(clock.now()).toBe(300);
  });

  it("rejects a sleep whose signal aborts, and forgets its timer", async () => {
    const clock = new VirtualClock(0);
    const controller = new AbortController();
    const sleeping = clock.sleep(1_000, controller.signal);
    controller.abort(new Error("stop"));
    await expect(sleeping).rejects.toThrow("stop");
    expect(clock.pending).toBe(0);
  });

  it("auto-advances to the next timer only once file system work has finished", async () => {
    const clock = new VirtualClock(0);
    const stop = clock.autoAdvance();
    const file = path.join(tmpdir(), `virtual-clock-${process.pid}.bin`);
    try {
      let written = false;
      const writing = writeFile(file, Buffer.alloc(4 << 20)).then(() => (written = true));
      await clock.sleep(60_000);
      expect(written).toBe(true);
      expect(clock.now()).toBe(60_000);
      await writing;
    } finally {
      stop();
      await rm(file, { force: true });
    }
  });
});
