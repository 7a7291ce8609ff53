import { createHash, randomUUID } from "node:crypto";
import { linkSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";

const lockName = "lock";
/** Lock files of this process that are held right now (a same-PID lock is otherwise taken for a dead one's). */
const heldHere = new Set<string>();

/**
 * Who a lock file (or a takeover marker) names: `<pid> <nonce> <start>`, `start` being when that process started
 * (Linux), so a lock left by a process whose PID another process has since been given is seen as dead: in a
 * container a restarted runner is often PID 1 again. A lock of an older version holds `<pid> <nonce>` or only the PID.
 */
interface Holder {
  pid: number;
  /** When the process started, where the system tells. */
  start: string | undefined;
  /** The whole content: unique per lock, so it tells one lock file from the next. */
  text: string;
}

/** This process's start, as lock files record it. */
const ownStart = processStart(process.pid);

/** Who takes a lock, for the message a second taker gets: "<what> is in use by <holder> (process N)". */
export interface LockNames {
  /** What the lock guards, as the user knows it: a folder, "job 'nightly'". */
  what: string;
  /** Who holds it when it is taken, as the user knows it: "another sync", "another upload run". */
  holder: string;
}

/**
 * One holder of a folder at a time, across processes: one sync per output folder (a second one would remove the
 * first one's partial downloads), one runner per job, one upload and one monitor run per upload folder.
 */
export class FolderLock {
  readonly #file: string;
  readonly #token: string;

  private constructor(file: string, token: string) {
    this.#file = file;
    this.#token = token;
    heldHere.add(token);
  }

  /**
   * Takes the lock `<dir>/lock`, or throws when a live process holds it. A lock whose process is gone (a
   * crash, a kill) is taken over, by exactly one of any number of processes trying at once: the lock file
   * is created whole with link(2), which fails if the name exists, and a dead lock is replaced only by the
   * process that first created the takeover marker named after that very lock file (again with link).
   * Should that process die mid-takeover, its marker names a dead process too and the next one in line
   * takes over from it the same way.
   */
  static async acquire(dir: string, names: LockNames): Promise<FolderLock> {
    const lock = path.join(dir, lockName);
    const token = [process.pid, randomUUID(), ...(ownStart !== undefined ? [ownStart] : [])].join(" ");
    const mine = path.join(dir, `${lockName}.new-${process.pid}-${randomUUID()}`);
    writeFileSync(mine, token);
    let busy: number | undefined;
    try {
      for (let attempt = 0; attempt < 200; attempt++) {
        if (tryLink(mine, lock)) return FolderLock.#won(dir, lock, token);
        const holder = readHolder(lock);
        if (!holder) continue; // released meanwhile
        if (isLive(holder)) throw new Error(`${names.what} is in use by ${names.holder} (process ${holder.pid}); wait for it to finish`);
        const outcome = takeOver(lock, holder, mine);
        if (outcome === "taken") return FolderLock.#won(dir, lock, token);
        if (outcome !== "changed") {
          busy = outcome.busy;
          await sleep(10);
        }
      }
    } finally {
      rmSync(mine, { force: true });
    }
    throw new Error(`cannot lock ${names.what}: process ${busy ?? "?"} keeps taking over its stale lock; if ${names.holder} is not running, remove ${lock}*`);
  }

  /**
   * The PID of the live process that holds `<dir>/lock`, or undefined when none does (no lock, or one a process
   * that is gone left behind). Takes, changes and waits for nothing: for status output.
   */
  static liveHolder(dir: string): number | undefined {
    const holder = readHolder(path.join(dir, lockName));
    return holder && isLive(holder) ? holder.pid : undefined;
  }

  static #won(dir: string, lock: string, token: string): FolderLock {
    sweepLeftovers(dir);
    return new FolderLock(lock, token);
  }

  /** Removes the lock, if it is still this one. */
  release(): void {
    heldHere.delete(this.#token);
    if (readHolder(this.#file)?.text === this.#token) rmSync(this.#file, { force: true });
  }
}

/**
 * Replaces the dead lock `holder` with `mine`, if this process wins the right to: the first to create
 * `lock.takeover-<digest of that lock>`. A marker whose creator died is itself taken over through its own
 * marker. "changed": the lock is no longer the dead one (someone else took over); "busy": a live process is
 * taking over right now.
 */
function takeOver(lock: string, holder: Holder, mine: string): "taken" | "changed" | { busy: number } {
  const chain: string[] = [];
  let instance = holder.text;
  for (;;) {
    const marker = `${lock}.takeover-${createHash("sha256").update(instance).digest("hex").slice(0, 32)}`;
    chain.push(marker);
    if (tryLink(mine, marker)) break;
    const taker = readHolder(marker);
    if (!taker) return "changed"; // that takeover finished and cleaned up
    if (isLive(taker)) return { busy: taker.pid };
    instance = taker.text;
  }
  // Only the marker's creator may replace this lock; check that it still is the dead one, then swap atomically.
  if (readHolder(lock)?.text !== holder.text) {
    rmSync(chain.at(-1)!, { force: true });
    return "changed";
  }
  renameSync(mine, lock);
  for (const marker of chain) rmSync(marker, { force: true });
  return "taken";
}

/** Creates `target` as a second name of `source`; false when `target` exists. */
function tryLink(source: string, target: string): boolean {
  try {
    linkSync(source, target);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "EEXIST") return false;
    throw err;
  }
}

function readHolder(file: string): Holder | undefined {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw err;
  }
  const [pid, , start] = text.split(" ");
  return { pid: Number(pid), start, text };
}

/**
 * A holder whose process runs. Our own PID counts only for a lock this process holds: otherwise it is a previous
 * incarnation's (PIDs restart in containers). Another PID counts when its process started when the lock says.
 */
function isLive(holder: Holder): boolean {
  if (!Number.isInteger(holder.pid) || holder.pid <= 0) return false;
  if (holder.pid === process.pid) return heldHere.has(holder.text);
  if (!processIsAlive(holder.pid)) return false;
  const start = holder.start === undefined ? undefined : processStart(holder.pid);
  return start === undefined || start === holder.start;
}

/**
 * When the process started, in clock ticks since boot (field 22 of /proc/<pid>/stat), or undefined where the
 * system does not tell (no /proc). The fields after the command name, which may hold spaces, start at field 3.
 */
function processStart(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2).split(" ")[19];
  } catch {
    return undefined;
  }
}

/** Whether a process with this PID runs (EPERM: it runs, as another user). */
function processIsAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** Temporary lock files and takeover markers that dead processes left behind. */
function sweepLeftovers(dir: string): void {
  for (const name of readdirSync(dir)) {
    const creator = /^lock\.new-(\d+)-/.exec(name)?.[1];
    if (creator !== undefined && !processIsAlive(Number(creator))) rmSync(path.join(dir, name), { force: true });
    if (name.startsWith(`${lockName}.takeover-`)) {
      const taker = readHolder(path.join(dir, name));
      if (taker && !isLive(taker)) rmSync(path.join(dir, name), { force: true });
    }
  }
}
