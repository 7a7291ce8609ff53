import { spawn, type ChildProcessWithoutNullStreams } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { createInterface, type Interface } from "node:readline";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FolderLock } from "../../src/workflows/folder-lock.ts";
import { SyncJournal } from "../../src/workflows/journal.ts";
import { tempDir } from "./support.ts";

const contenders = 6;
const trials = 40;
/** A PID no process has: Linux PIDs stay below 2^22. */
const deadPid = 2147483646;

interface Contender {
  child: ChildProcessWithoutNullStreams;
  lines: Interface;
  next(): Promise<string>;
}

function startContender(): Contender {
  const child = spawn(process.execPath, ["--import", "tsx", path.join(import.meta.dirname, "lock-contender.ts")], { stdio: "pipe" });
  const lines = createInterface({ input: child.stdout });
  const queued: string[] = [];
  const waiting: ((line: string) => void)[] = [];
  lines.on("line", (line) => {
    const waiter = waiting.shift();
    if (waiter) waiter(line);
    else queued.push(line);
  });
  return {
    child,
    lines,
    next: () => (queued.length > 0 ? Promise.resolve(queued.shift()!) : new Promise((resolve) => waiting.push(resolve))),
  };
}

let running: Contender[] = [];
beforeAll(async () => {
  running = Array.from({ length: contenders }, startContender);
  expect(await Promise.all(running.map((contender) => contender.next()))).toEqual(Array(contenders).fill("ready"));
});
afterAll(() => {
  for (const contender of running) contender.child.kill();
});

describe("the output folder's lock", () => {
  it(`is taken over from a dead owner by exactly one of ${contenders} processes starting at once (${trials} trials)`, async () => {
    const winners: number[] = [];
    const refusals: string[] = [];
    for (let trial = 0; trial < trials; trial++) {
      const out = tempDir("fno-lock-");
      mkdirSync(path.join(out, ".fno-sync"));
      writeFileSync(path.join(out, ".fno-sync", "lock"), String(deadPid));
      // Far enough ahead that every contender (all loaded and waiting, see beforeAll) has the line before the start.
      const startAt = Date.now() + 60;
      for (const contender of running) contender.child.stdin.write(`${out} ${startAt}\n`);
      const answers = await Promise.all(running.map((contender) => contender.next()));
      refusals.push(...answers.filter((answer) => answer !== "won"));
      winners.push(answers.filter((answer) => answer === "won").length);
      for (const contender of running) contender.child.stdin.write("release\n");
      await Promise.all(running.map((contender) => contender.next()));
      // Nothing of the lock is left once its owner is done.
      expect(readdirSync(path.join(out, ".fno-sync")).filter((name) => name.startsWith("lock"))).toEqual([]);
    }
    expect(winners).toEqual(Array(trials).fill(1));
    // The others are told who holds the folder.
    for (const refusal of refusals) expect(refusal).toMatch(/^lost .*in use by another sync \(process \d+\)/);
  }, 120_000);

  it("is taken over from a killed process whose PID a live process has since been given (the lock's start time is not that process's)", async () => {
    const dir = tempDir("fno-lock-");
    // A restarted container's runner gets the killed one's PID; here the parent process stands for it.
    writeFileSync(path.join(dir, "lock"), `${process.ppid} 3c2d-killed-holder 1`);
    const lock = await FolderLock.acquire(dir, { what: "the folder", holder: "another run" });
    expect(FolderLock.liveHolder(dir)).toBe(process.pid);
    lock.release();
    expect(FolderLock.liveHolder(dir)).toBeUndefined();
  });

  it("is taken over even when the process that was taking it over died halfway", async () => {
    const out = tempDir("fno-lock-");
    const state = path.join(out, ".fno-sync");
    mkdirSync(state);
    const deadLock = `${deadPid} 1f0c6a4e-dead-lock`;
    writeFileSync(path.join(state, "lock"), deadLock);
    // The marker a taker creates before replacing that lock, left by a taker that was killed right then.
    const marker = `lock.takeover-${createHash("sha256").update(deadLock).digest("hex").slice(0, 32)}`;
    writeFileSync(path.join(state, marker), `${deadPid - 1} 7d1e2b9c-dead-taker`);
    const journal = await SyncJournal.open(out);
    expect(readFileSync(path.join(state, "lock"), "utf8")).toMatch(new RegExp(`^${process.pid} `));
    await journal.close();
    expect(readdirSync(state).filter((name) => name.startsWith("lock"))).toEqual([]);
  });
});
