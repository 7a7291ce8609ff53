import { mkdirSync } from "node:fs";
import { open, rename, rm, writeFile, type FileHandle } from "node:fs/promises";
import path from "node:path";
import { createInterface } from "node:readline";
import type { DequeueMessage } from "../client/index.ts";
import { flushFolder, GroupCommit } from "./durable.ts";
import { FolderLock } from "./folder-lock.ts";

/** One durable line of the sync journal. */
export type JournalEntry =
  | { type: "dequeued"; message: DequeueMessage }
  | { type: "stored"; correlationId: string; file: string; bytes: number; sha256: string }
  | { type: "acked"; correlationId: string }
  /** The recorded pop receipt no longer works; the message will be dequeued again. */
  | { type: "released"; correlationId: string };

/** What the journal knows about one message not acknowledged yet, folded from its entries. */
export interface MessageRecord {
  message: DequeueMessage | undefined;
  stored: { file: string; bytes: number; sha256: string } | undefined;
  released: boolean;
}

export const stateDirName = ".fno-sync";

/**
 * A journal past this size is rewritten with only what a rerun still needs (when it is opened, and when a run
 * closes it). About 1,400 finished messages; a compacted journal holds one or two lines per unfinished message.
 */
export const journalCompactionBytes = 1024 * 1024;

/**
 * An append-only JSON-lines journal in the output folder. Each entry is flushed to disk before the step
 * it records is considered done, so a rerun after a crash knows which packages are stored and which
 * messages still need their acknowledgement. A torn last line (crash mid-write) is ignored.
 *
 * Acknowledged messages are done: they are dropped from `records` as soon as they are read or recorded, and
 * from the file when it is compacted, so neither grows with the number of messages ever synced.
 */
export class SyncJournal {
  readonly file: string;
  /** Messages not acknowledged yet (or whose acknowledgement is not journaled), by CorrelationId. */
  readonly records: Map<string, MessageRecord>;
  readonly #lock: FolderLock;
  #handle: FileHandle | undefined;
  /** Bytes in the file: compaction is due past journalCompactionBytes. */
  #size: number;
  /** An append failed: what is in memory is no longer what is on disk, so it is not compacted from memory. */
  #appendFailed = false;
  /** Lines appended and synced together (group commit), so concurrent workers share one fsync. */
  readonly #appends = new GroupCommit<string>((lines) => this.#append(lines.join("")));

  private constructor(file: string, records: Map<string, MessageRecord>, lock: FolderLock, size: number) {
    this.file = file;
    this.records = records;
    this.#lock = lock;
    this.#size = size;
  }

  static async open(outDir: string): Promise<SyncJournal> {
    const dir = path.join(outDir, stateDirName);
    mkdirSync(dir, { recursive: true });
    const lock = await FolderLock.acquire(dir, { what: outDir, holder: "another sync" });
    try {
      const file = path.join(dir, "journal.jsonl");
      // A compaction cut short by a crash: the journal itself was not replaced yet and is whole.
      await rm(compactingFile(file), { force: true });
      const { records, size, torn } = await readJournal(file);
      const journal = new SyncJournal(file, records, lock, size);
      if (size > journalCompactionBytes) await journal.#compact();
      journal.#handle = await open(file, "a");
      // A crash mid-append leaves a torn last line; start the next entry on a line of its own.
      if (torn && journal.#size === size) await journal.#handle.appendFile("\n");
      return journal;
    } catch (err) {
      lock.release();
      throw err;
    }
  }

  /**
   * Appends an entry; resolves once it is on disk. Entries recorded while a flush is running are written
   * and synced together by the next one (group commit), so concurrent workers share one fsync.
   */
  record(entry: JournalEntry): Promise<void> {
    if (!this.#handle) return Promise.reject(new Error(`journal ${this.file} is closed`));
    apply(this.records, entry);
    return this.#appends.add(JSON.stringify(entry) + "\n");
  }

  async #append(text: string): Promise<void> {
    try {
      const handle = this.#handle;
      if (!handle) throw new Error("journal is closed");
      await handle.appendFile(text);
      await handle.datasync();
      this.#size += Buffer.byteLength(text);
    } catch (err) {
      this.#appendFailed = true;
      throw err;
    }
  }

  async close(): Promise<void> {
    try {
      await this.#appends.settled();
      await this.#handle?.close();
      this.#handle = undefined;
      if (this.#size > journalCompactionBytes && !this.#appendFailed) await this.#compact();
    } finally {
      this.#lock.release();
    }
  }

  /**
   * Rewrites the journal with one entry per fact still needed, crash-consistently: a new file, synced,
   * renamed over the old one, and the folder synced. A crash at any point leaves either journal whole.
   */
  async #compact(): Promise<void> {
    const lines: string[] = [];
    for (const [correlationId, record] of this.records) {
      if (record.message) lines.push(JSON.stringify({ type: "dequeued", message: record.message } satisfies JournalEntry));
      if (record.stored) lines.push(JSON.stringify({ type: "stored", correlationId, ...record.stored } satisfies JournalEntry));
      if (record.released) lines.push(JSON.stringify({ type: "released", correlationId } satisfies JournalEntry));
    }
    const text = lines.map((line) => line + "\n").join("");
    const compacting = compactingFile(this.file);
    await writeFile(compacting, text, { flush: true });
    await rename(compacting, this.file);
    await flushFolder(path.dirname(this.file));
    this.#size = Buffer.byteLength(text);
  }
}

function compactingFile(journal: string): string {
  return `${journal}.compacting`;
}

/** Folds the journal line by line (it may be large) into the records of unfinished messages. */
async function readJournal(file: string): Promise<{ records: Map<string, MessageRecord>; size: number; torn: boolean }> {
  const records = new Map<string, MessageRecord>();
  let handle: FileHandle;
  try {
    handle = await open(file, "r");
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return { records, size: 0, torn: false };
    throw err;
  }
  try {
    const { size } = await handle.stat();
    const last = Buffer.alloc(1);
    if (size > 0) await handle.read(last, 0, 1, size - 1);
    for await (const line of createInterface({ input: handle.createReadStream({ autoClose: false }), crlfDelay: Infinity })) {
      if (line.trim() === "") continue;
      let entry: JournalEntry;
      try {
        entry = JSON.parse(line) as JournalEntry;
      } catch {
        continue;
      }
      apply(records, entry);
    }
    return { records, size, torn: size > 0 && last[0] !== 0x0a };
  } finally {
    await handle.close();
  }
}

function apply(records: Map<string, MessageRecord>, entry: JournalEntry): void {
  const id = entry.type === "dequeued" ? entry.message.CorrelationId : entry.correlationId;
  const record = records.get(id) ?? { message: undefined, stored: undefined, released: false };
  if (entry.type === "dequeued") record.message = entry.message;
  if (entry.type === "stored") record.stored = { file: entry.file, bytes: entry.bytes, sha256: entry.sha256 };
  if (entry.type === "acked") {
    // Done: nothing about it is needed any more.
    records.delete(id);
    return;
  }
  // A later dequeue of the same message brings a new pop receipt to work with.
  record.released = entry.type === "released" ? true : entry.type === "dequeued" ? false : record.released;
  records.set(id, record);
}
