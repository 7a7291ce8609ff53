import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { open, type FileHandle } from "node:fs/promises";
import path from "node:path";
import type { DequeueMessage } from "../client/index.ts";

/** One durable line of the sync journal. */
export type JournalEntry =
  | { type: "dequeued"; message: DequeueMessage }
  | { type: "stored"; correlationId: string; file: string; bytes: number; sha256: string }
  | { type: "acked"; correlationId: string }
  /** The recorded pop receipt no longer works; the message will be dequeued again. */
  | { type: "released"; correlationId: string };

/** What the journal knows about one message, folded from its entries. */
export interface MessageRecord {
  message: DequeueMessage | undefined;
  stored: { file: string; bytes: number; sha256: string } | undefined;
  acked: boolean;
  released: boolean;
}

export const stateDirName = ".fno-sync";

/**
 * An append-only JSON-lines journal in the output folder. Each entry is flushed to disk before the step
 * it records is considered done, so a rerun after a crash knows which packages are stored and which
 * messages still need their acknowledgement. A torn last line (crash mid-write) is ignored.
 */
export class SyncJournal {
  readonly file: string;
  readonly records: Map<string, MessageRecord>;
  #handle: FileHandle | undefined;
  /** Entries waiting for the next flush, with the callers waiting for them. */
  #pending: { line: string; done: (err?: unknown) => void }[] = [];
  #flushing: Promise<void> | undefined;

  private constructor(file: string, records: Map<string, MessageRecord>) {
    this.file = file;
    this.records = records;
  }

  static async open(outDir: string): Promise<SyncJournal> {
    const dir = path.join(outDir, stateDirName);
    mkdirSync(dir, { recursive: true });
    lockFolder(dir);
    const file = path.join(dir, "journal.jsonl");
    let text = "";
    try {
      text = readFileSync(file, "utf8");
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "ENOENT") throw err;
    }
    const records = new Map<string, MessageRecord>();
    for (const line of text.split("\n")) {
      if (line.trim() === "") continue;
      let entry: JournalEntry;
      try {
        entry = JSON.parse(line) as JournalEntry;
      } catch {
        continue;
      }
      apply(records, entry);
    }
    const journal = new SyncJournal(file, records);
    journal.#handle = await open(file, "a");
    // A crash mid-append leaves a torn last line; start the next entry on a line of its own.
    if (text !== "" && !text.endsWith("\n")) await journal.#handle.appendFile("\n");
    return journal;
  }

  /**
   * Appends an entry; resolves once it is on disk. Entries recorded while a flush is running are written
   * and synced together by the next one (group commit), so concurrent workers share one fsync.
   */
  record(entry: JournalEntry): Promise<void> {
    if (!this.#handle) return Promise.reject(new Error(`journal ${this.file} is closed`));
    apply(this.records, entry);
    return new Promise((resolve, reject) => {
      this.#pending.push({ line: JSON.stringify(entry) + "\n", done: (err) => (err ? reject(err) : resolve()) });
      this.#flushing ??= this.#flush();
    });
  }

  async #flush(): Promise<void> {
    while (this.#pending.length > 0) {
      const batch = this.#pending.splice(0);
      try {
        const handle = this.#handle;
        if (!handle) throw new Error("journal is closed");
        await handle.appendFile(batch.map((p) => p.line).join(""));
        await handle.datasync();
        for (const p of batch) p.done();
      } catch (err) {
        for (const p of batch) p.done(err);
      }
    }
    this.#flushing = undefined;
  }

  async close(): Promise<void> {
    await this.#flushing;
    await this.#handle?.close();
    this.#handle = undefined;
    rmSync(path.join(path.dirname(this.file), lockName), { force: true });
  }
}

const lockName = "lock";

/**
 * One sync per output folder: a second one would remove the first one's partial downloads. The lock holds
 * the owner's PID; a lock whose process is gone (a crash, a kill) is taken over.
 */
function lockFolder(dir: string): void {
  const lock = path.join(dir, lockName);
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      writeFileSync(lock, String(process.pid), { flag: "wx" });
      return;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
    }
    const owner = Number(readFileSync(lock, "utf8"));
    if (Number.isInteger(owner) && owner > 0 && owner !== process.pid && isAlive(owner)) {
      throw new Error(`${path.dirname(dir)} is in use by another sync (process ${owner}); wait for it to finish`);
    }
    rmSync(lock, { force: true });
  }
  throw new Error(`cannot lock ${dir}`);
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}

function apply(records: Map<string, MessageRecord>, entry: JournalEntry): void {
  const id = entry.type === "dequeued" ? entry.message.CorrelationId : entry.correlationId;
  const record = records.get(id) ?? { message: undefined, stored: undefined, acked: false, released: false };
  if (entry.type === "dequeued") record.message = entry.message;
  if (entry.type === "stored") record.stored = { file: entry.file, bytes: entry.bytes, sha256: entry.sha256 };
  if (entry.type === "acked") record.acked = true;
  // A later dequeue of the same message brings a new pop receipt to work with.
  record.released = entry.type === "released" ? true : entry.type === "dequeued" ? false : record.released;
  records.set(id, record);
}
