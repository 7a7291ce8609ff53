import { describe, expect, it } from "vitest";
import { GroupCommit } from "../../src/workflows/durable.ts";

/** A commit that the test finishes by hand, recording each batch it was given. */
function manualCommits() {
  const batches: number[][] = [];
  const finish: ((err?: Error) => void)[] = [];
  const group = new GroupCommit<number>(
    (batch) =>
      new Promise<void>((resolve, reject) => {
        batches.push(batch);
        finish.push((err) => (err ? reject(err) : resolve()));
      }),
  );
  return { group, batches, finish };
}

const tick = () => new Promise((resolve) => setImmediate(resolve));

describe("GroupCommit", () => {
  it("an item added while a commit runs waits for the next commit, which takes everything added meanwhile", async () => {
    const { group, batches, finish } = manualCommits();
    const settled: number[] = [];
    const add = (n: number) => group.add(n).then(() => void settled.push(n));
    const first = add(1);
    await tick();
    // 2 and 3 arrive while the commit of [1] runs: it may have started before their writes, so it cannot cover them.
    const rest = [add(2), add(3)];
    await tick();
    expect(batches).toEqual([[1]]);
    finish[0]!();
    await first;
    await tick();
    expect(settled).toEqual([1]);
    expect(batches).toEqual([[1], [2, 3]]);
    finish[1]!();
    await Promise.all(rest);
    expect(settled).toEqual([1, 2, 3]);
    await group.settled();
  });

  it("a failed commit rejects only the items of its batch; the next commit still runs", async () => {
    const { group, batches, finish } = manualCommits();
    const first = group.add(1);
    await tick();
    const second = group.add(2);
    finish[0]!(new Error("EIO"));
    await expect(first).rejects.toThrow("EIO");
    await tick();
    expect(batches).toEqual([[1], [2]]);
    finish[1]!();
    await expect(second).resolves.toBeUndefined();
  });
});
