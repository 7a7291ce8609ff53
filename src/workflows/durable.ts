import { open, type FileHandle } from "node:fs/promises";

/**
 * Makes a rename in `dir` durable. POSIX needs the folder itself synced; Windows cannot open a folder
 * for that and makes renames durable with the file, so there it is a no-op.
 */
export async function flushFolder(dir: string): Promise<void> {
  if (process.platform === "win32") return;
  const handle = await open(dir, "r");
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/**
 * Group commit: each `add` resolves once a `commit` that started after it has finished with its item in the batch.
 * Items added while a commit runs wait for the next one and share it, so concurrent callers share one fsync
 * instead of queueing one each. A failed commit rejects the adds of its batch only.
 */
export class GroupCommit<T> {
  readonly #commit: (batch: T[]) => Promise<void>;
  #pending: { item: T; done: (err?: unknown) => void }[] = [];
  #running: Promise<void> | undefined;

  constructor(commit: (batch: T[]) => Promise<void>) {
    this.#commit = commit;
  }

  add(item: T): Promise<void> {
    return new Promise((resolve, reject) => {
      this.#pending.push({ item, done: (err) => (err === undefined ? resolve() : reject(err)) });
      this.#running ??= this.#run();
    });
  }

  /** Resolves when every item added so far is committed (or failed). */
  async settled(): Promise<void> {
    await this.#running;
  }

  async #run(): Promise<void> {
    while (this.#pending.length > 0) {
      const batch = this.#pending.splice(0);
      try {
        await this.#commit(batch.map((p) => p.item));
        for (const p of batch) p.done();
      } catch (err) {
        for (const p of batch) p.done(err ?? new Error("commit failed"));
      }
    }
    this.#running = undefined;
  }
}

/**
 * One folder whose renames many workers make durable: its descriptor stays open for the run (instead of an
 * open, fsync and close per rename), and the workers whose renames are done share each fsync (GroupCommit).
 * A no-op on Windows, as flushFolder.
 */
export class FolderFlusher {
  readonly #handle: FileHandle | undefined;
  readonly #syncs: GroupCommit<void>;

  private constructor(handle: FileHandle | undefined) {
    this.#handle = handle;
    this.#syncs = new GroupCommit(async () => this.#handle?.sync());
  }

  static async open(dir: string): Promise<FolderFlusher> {
    return new FolderFlusher(process.platform === "win32" ? undefined : await open(dir, "r"));
  }

  /** Resolves once every rename in the folder finished before this call is on disk. */
  flush(): Promise<void> {
    return this.#syncs.add();
  }

  async close(): Promise<void> {
    await this.#syncs.settled();
    await this.#handle?.close();
  }
}
