import { defaultMaxListeners, setMaxListeners } from "node:events";
import { rm } from "node:fs/promises";
import path from "node:path";
import { DownloadIntegrityError, FnoError, type DequeueMessage, type FnoClient, type RetryBudget } from "../client/index.ts";
import { stateDirName, SyncJournal, type JournalEntry } from "./journal.ts";
import { extractPackage } from "./extract.ts";
import { FolderFlusher } from "./durable.ts";
import { downloadPackage, fileMatches, packageFileName, UnreadablePackageError } from "./package-store.ts";

export interface SyncOptions {
  client: FnoClient;
  activityId: string;
  outDir: string;
  /** Messages worked on at once. Each worker dequeues, downloads, stores and acknowledges in turn. */
  concurrency?: number;
  /** Also unzip each package into `<outDir>/<CorrelationId>/` (safely: see extract.ts). */
  extract?: boolean;
  /**
   * Download requests per message in one run before it is reported and left unacknowledged: retries of refused
   * or failed requests, resumes after a broken body and fresh starts after a failed integrity check, all counted
   * together. Default: the client's retry policy (`maxAttempts`).
   */
  downloadAttempts?: number;
  signal?: AbortSignal;
  onEvent?: (event: SyncEvent) => void;
  /**
   * Called synchronously as each message passes each step of store-then-acknowledge, so a test can crash a run
   * at exactly that step (test/workflows/crash.test.ts). Undefined in production.
   */
  onStep?: (step: SyncStep, correlationId: string) => void;
}

/**
 * The steps of one message, in order: dequeued (nothing journaled yet); downloaded (the bytes are in a temporary
 * file under .fno-sync/partial, flushed); renamed (the package is under its final name, not yet journaled, the
 * folder not yet flushed); stored-journaled (its "stored" line and the folder's flush are on disk: they run side by
 * side); acknowledged (F&O has the acknowledgement, the journal does not); acked-journaled. A message finished from
 * the journal or found already stored skips the first steps.
 */
export const syncSteps = ["dequeued", "downloaded", "renamed", "stored-journaled", "acknowledged", "acked-journaled"] as const;
export type SyncStep = (typeof syncSteps)[number];

/** Sixteen workers keep a 20 ms-latency environment busy while staying well under the 52 concurrent requests per user that F&O allowed where its user-based limits still apply. */
export const defaultConcurrency = 16;

export type SyncEvent =
  | { type: "stored"; correlationId: string; file: string; bytes: number }
  | { type: "duplicate"; correlationId: string; file: string }
  | { type: "acknowledged"; correlationId: string }
  | { type: "extracted"; correlationId: string; folder: string }
  | { type: "problem"; correlationId: string; stage: SyncProblem["stage"]; error: string };

export interface SyncProblem {
  correlationId: string;
  stage: "download" | "acknowledge" | "unavailable" | "extract";
  error: string;
}

export interface SyncSummary {
  activityId: string;
  outDir: string;
  /** Messages dequeued, redeliveries included. */
  dequeued: number;
  /**
   * Dequeues of a message this run was still working on (its download outlasted the visibility timeout): the
   * package is stored once, and the message acknowledged with the newest pop receipt.
   */
  redelivered: number;
  stored: number;
  /** Messages whose package was already on disk with the right bytes: acknowledged, not written again. */
  duplicates: number;
  acknowledged: number;
  /** Messages from an earlier, interrupted run finished from the journal. */
  recovered: number;
  /** Messages with a problem that are not acknowledged: they stay in the queue and return after the visibility timeout. */
  unfinished: number;
  /** Files that were under a package's name but did not hold that package, kept under another name. */
  replaced: { correlationId: string; keptAs: string }[];
  bytes: number;
  seconds: number;
  /** Everything that went wrong, once each; an extract problem is on a message that is stored and acknowledged. */
  problems: SyncProblem[];
}

/**
 * Drains an export queue: dequeue → download → durable file → acknowledge, with bounded concurrency, until
 * the queue is empty. A message is acknowledged only once its package is on disk under a name derived from
 * the message, and the journal lets a rerun after a crash finish without writing anything twice.
 */
export async function syncExports(options: SyncOptions): Promise<SyncSummary> {
  const { client, activityId, outDir } = options;
  // One failing worker stops the others before the journal closes: nothing may write into the folder after that.
  const run = new AbortController();
  const concurrency = Math.max(1, options.concurrency ?? defaultConcurrency);
  // Each call removes the listener it puts on this signal when it ends (the client links a signal of its own
  // per request), so at any moment a worker has at most two here: its call in flight, and a wait between a
  // download's resumes. The limit is that bound, so a listener that is never removed still trips the warning.
  setMaxListeners(Math.max(defaultMaxListeners, 2 * concurrency), run.signal);
  const onOuterAbort = () => run.abort(options.signal?.reason);
  if (options.signal?.aborted) onOuterAbort();
  options.signal?.addEventListener("abort", onOuterAbort, { once: true });
  const signal = run.signal;
  const downloadAttempts = Math.max(1, options.downloadAttempts ?? client.retryPolicy.maxAttempts);
  const emit = options.onEvent ?? (() => undefined);
  const onStep = options.onStep;
  const started = performance.now();
  const summary: SyncSummary = {
    activityId,
    outDir: path.resolve(outDir),
    dequeued: 0,
    redelivered: 0,
    stored: 0,
    duplicates: 0,
    acknowledged: 0,
    recovered: 0,
    unfinished: 0,
    replaced: [],
    bytes: 0,
    seconds: 0,
    problems: [],
  };
  const journal = await SyncJournal.open(outDir);
  let folder: FolderFlusher;
  try {
    // Partial downloads of a run that was killed are never resumed: each download starts over.
    await rm(path.join(outDir, stateDirName, "partial"), { recursive: true, force: true });
    folder = await FolderFlusher.open(outDir);
  } catch (err) {
    await journal.close();
    throw err;
  }
  /** Messages whose download was given up in this run: not tried again when they are dequeued again. */
  const failedDownloads = new Set<string>();
  /** The pop receipt of each message's latest dequeue in this run: only that one can acknowledge it. */
  const latestReceipt = new Map<string, string>();
  /** Messages being worked on, by CorrelationId: settles when that delivery is done, true if its package is stored. */
  const inFlight = new Map<string, Promise<boolean>>();
  const acknowledged = new Set<string>();

  /**
   * Journal lines a worker does not wait for before its next message: an acknowledgement's (F&O already has it;
   * a line lost in a crash only has a rerun's acknowledgement refused, as after a crash at "acknowledged").
   * Waiting for that flush took 3 ms of each message's 85 at 16 workers. A failed one stops the run.
   */
  const unawaited = new Set<Promise<void>>();
  let journalFailure: { error: unknown } | undefined;
  const recordLater = (entry: JournalEntry, onFlushed: () => void) => {
    const line = journal.record(entry).then(onFlushed, (err: unknown) => {
      journalFailure ??= { error: err };
      run.abort(err);
    });
    unawaited.add(line);
    void line.then(() => unawaited.delete(line));
  };

  const problem = (correlationId: string, stage: SyncProblem["stage"], err: unknown) => {
    const error = err instanceof Error ? err.message : String(err);
    summary.problems.push({ correlationId, stage, error });
    emit({ type: "problem", correlationId, stage, error });
  };

  const acknowledge = async (message: DequeueMessage, recovering: boolean): Promise<boolean> => {
    const id = message.CorrelationId;
    try {
      await client.acknowledge(activityId, message, { signal });
    } catch (err) {
      if (signal.aborted) throw err;
      const refused = err instanceof FnoError && err.status !== undefined && err.status >= 400 && err.status < 500;
      // Dequeued again during this run: the newer delivery's receipt is the one that counts, and it acknowledges.
      if (refused && latestReceipt.get(id) !== message.PopReceipt) return false;
      if (recovering && refused) {
        // The journal's pop receipt is stale (the message was dequeued again since): it comes back by itself
        // and is acknowledged then as already stored. Settled here, so later runs stop retrying it.
        await journal.record({ type: "released", correlationId: id });
        return false;
      }
      problem(id, "acknowledge", err);
      return false;
    }
    onStep?.("acknowledged", id);
    recordLater({ type: "acked", correlationId: id }, () => onStep?.("acked-journaled", id));
    acknowledged.add(id);
    summary.acknowledged++;
    emit({ type: "acknowledged", correlationId: id });
    return true;
  };

  /** Makes sure the message's package is on disk; false when it could not be (reported, not acknowledged). */
  const ensureStored = async (message: DequeueMessage): Promise<boolean> => {
    const id = message.CorrelationId;
    const fileName = packageFileName(message);
    const final = path.join(outDir, fileName);
    // A name proves nothing (anyone can put a file there): only the size and SHA-256 journaled when this
    // package was stored make it trusted without downloading it again.
    const recorded = journal.records.get(id)?.stored;
    if (recorded && (await fileMatches(final, recorded))) {
      // An earlier run may have crashed between the rename and the folder flush: flush before acknowledging.
      await folder.flush();
      summary.duplicates++;
      emit({ type: "duplicate", correlationId: id, file: final });
      return true;
    }
    if (message.IsDownLoadFileExist === false || !message.DownloadLocation) {
      problem(id, "unavailable", message.FileDownLoadErrorMessage || "the message has no package to download");
      return false;
    }
    // One budget for everything this message's package takes in this run: the transport's retries, resumes
    // after a broken body, and fresh starts after a failed integrity check.
    const budget = client.downloadBudget(downloadAttempts);
    for (;;) {
      try {
        const stored = await downloadPackage(client, message, outDir, fileName, {
          signal,
          budget,
          flushFolder: () => folder.flush(),
          onDownloaded: onStep && (() => onStep("downloaded", id)),
          record: (s) => {
            onStep?.("renamed", id);
            return journal.record({ type: "stored", correlationId: id, file: s.file, bytes: s.bytes, sha256: s.sha256 });
          },
        });
        onStep?.("stored-journaled", id);
        if (stored.keptAs) summary.replaced.push({ correlationId: id, keptAs: stored.keptAs });
        if (stored.unchanged) {
          // The file under its name (left by a run that died before journaling it) had the same bytes.
          summary.duplicates++;
          emit({ type: "duplicate", correlationId: id, file: stored.file });
        } else {
          summary.stored++;
          summary.bytes += stored.bytes;
          emit({ type: "stored", correlationId: id, file: stored.file, bytes: stored.bytes });
        }
        return true;
      } catch (err) {
        if (signal.aborted) throw err;
        if (!retryableIntegrity(err, budget)) {
          failedDownloads.add(id);
          problem(id, "download", err);
          return false;
        }
      }
    }
  };

  /**
   * Unzips a stored package. A package that cannot be extracted is reported but still acknowledged: it
   * is safely on disk, and a redelivery would not make an unsafe archive safe.
   */
  const extract = async (message: DequeueMessage): Promise<void> => {
    const name = packageFileName(message).replace(/\.zip$/, "");
    try {
      const folder = await extractPackage(path.join(outDir, packageFileName(message)), outDir, name);
      emit({ type: "extracted", correlationId: message.CorrelationId, folder });
    } catch (err) {
      if (signal.aborted) throw err;
      problem(message.CorrelationId, "extract", err);
    }
  };

  /**
   * Store (unless already stored), extract when asked, then acknowledge; false when the package could not be
   * stored. A message dequeued again while an earlier delivery is still in flight is not downloaded again: it
   * waits for that delivery and then acknowledges with its own, newer pop receipt.
   */
  const complete = async (message: DequeueMessage, recovering = false): Promise<boolean> => {
    const id = message.CorrelationId;
    latestReceipt.set(id, message.PopReceipt);
    const earlier = inFlight.get(id);
    if (earlier) {
      summary.redelivered++;
      const stored = await earlier;
      if (stored && !acknowledged.has(id)) await acknowledge(message, recovering);
      return stored;
    }
    const first = (async () => {
      if (!(await ensureStored(message))) return false;
      if (options.extract) await extract(message);
      await acknowledge(message, recovering);
      return true;
    })();
    inFlight.set(id, first);
    try {
      return await first;
    } finally {
      inFlight.delete(id);
    }
  };

  try {
    // Finish what an interrupted run left: messages dequeued but not acknowledged.
    for (const [id, record] of journal.records) {
      if (record.released || !record.message) continue;
      signal.throwIfAborted();
      summary.recovered++;
      if (!(await complete(record.message, true))) failedDownloads.add(id);
    }

    const worker = async () => {
      for (;;) {
        signal.throwIfAborted();
        const result = await client.dequeue(activityId, { signal });
        if (result.kind === "empty") return;
        const message = result.message;
        summary.dequeued++;
        onStep?.("dequeued", message.CorrelationId);
        if (failedDownloads.has(message.CorrelationId)) continue; // already reported this run
        // Not awaited: it rides with the next flush. If it is lost in a crash the message simply comes back
        // after its visibility timeout, and its package, if already stored, is found under its name.
        const dequeued = journal.record({ type: "dequeued", message });
        await complete(message);
        await dequeued;
      }
    };
    const workers = Array.from({ length: concurrency }, () =>
      worker().catch((err: unknown) => {
        run.abort(err);
        throw err;
      }),
    );
    const outcomes = await Promise.allSettled(workers);
    await Promise.all(unawaited);
    if (journalFailure) throw journalFailure.error;
    // The first failure aborted the run, so the abort reason is the cause; the other workers only stopped.
    if (outcomes.some((o) => o.status === "rejected")) throw signal.reason;
  } finally {
    options.signal?.removeEventListener("abort", onOuterAbort);
    await folder.close().finally(() => journal.close());
    summary.seconds = (performance.now() - started) / 1000;
  }
  summary.unfinished = new Set(summary.problems.map((p) => p.correlationId).filter((id) => !acknowledged.has(id))).size;
  return summary;
}

/**
 * What sync itself downloads again: only what the transport cannot know about, a package whose bytes failed a
 * check (longer than announced, or not a readable zip although a resume stitched it together), and only while
 * the message's budget allows. HTTP statuses, connection failures and broken bodies were already retried below
 * (client and transport) within the same budget; a local write error is not worth another download.
 */
function retryableIntegrity(err: unknown, budget: RetryBudget): boolean {
  if (!budget.allows(0)) return false;
  if (err instanceof DownloadIntegrityError) return true;
  return err instanceof UnreadablePackageError && err.stitched;
}
