import { unlink } from "node:fs/promises";
import path from "node:path";
import { emptyGuid, executionStatusPhase, messageStatusPhase } from "../../client/index.ts";
import { writeErrorFiles, type ErrorFiles } from "../../workflows/package-errors.ts";
import { flushFolder } from "../../workflows/durable.ts";
import type { JobContext, JobKind, JobOutcome } from "../kind.ts";
import { forEachBounded } from "./bounded.ts";
import { folderSchema, isRemoteFailure, messageOf, noState, type NoState } from "./common.ts";
import { claimedName, exists, lockFolder, placeFinal, prepareFolders, readRecords, statusSuffix, sweepTemporary, uploadFolders, type UploadFolders, type UploadRecord } from "./upload-folder.ts";

export interface MonitorSettings {
  /** The folder of the upload job whose files this follows. */
  folder: string;
  /** Messages checked at once; default 4. */
  concurrency?: number;
}

/**
 * `<name>.errors.json` beside a file in error/: the execution's errors as GetExecutionErrors gave them, and the
 * files the package API's error calls wrote beside it (package-errors.ts: execution errors, error keys and staging
 * errors per entity, the summary page shortcut), with what could not be fetched in `problems`.
 */
export interface ErrorsFile extends Omit<ErrorFiles, "errors"> {
  /** For an enqueued file: its message. */
  messageId?: string;
  executionId: string;
  status: string;
  /** The parsed entries when F&O's text is a JSON list, else undefined (see `raw`). */
  errors: unknown[] | undefined;
  raw: string | undefined;
}

export const monitorKind: JobKind<MonitorSettings, NoState> = {
  kind: "monitor",
  settingsSchema: {
    type: "object",
    required: ["folder"],
    additionalProperties: false,
    properties: {
      folder: folderSchema,
      concurrency: { type: "integer", minimum: 1, maximum: 16 },
    },
  },
  folderUse: "inbox",
  initialState: noState,
  run: runMonitor,
};

/**
 * One monitor run: asks F&O where each file in uploaded/ stands and moves each one that reached a final status,
 * with its status file, to success/ or error/:
 * - an enqueued message (upload jobs): GetMessageStatus; Processed → success/; ProcessedWithErrors,
 *   PreProcessingError, PostProcessingError or PostProcessingFailed (any case) → error/ with the error files of its
 *   execution (message ID → execution ID → execution errors, error keys and staging errors for the job's entity,
 *   summary page shortcut);
 * - a package import's execution (import-package jobs): GetExecutionSummaryStatus; see executionOutcome.
 * Anything else, a failed message whose execution ID is still the empty GUID, and a check that failed wait for
 * the next run.
 */
export async function runMonitor(context: JobContext<NoState>, settings: MonitorSettings): Promise<JobOutcome> {
  const folders = uploadFolders(settings.folder, "monitor");
  await prepareFolders(folders);
  const lock = await lockFolder(folders.monitorLock, "monitor", folders.inbox);
  const counts = { succeeded: 0, failed: 0, pending: 0, deferred: 0 };
  try {
    await sweepTemporary(folders);
    const records = await readRecords(folders.uploaded);
    await forEachBounded(records, settings.concurrency ?? 4, async (record) => {
      if (context.signal.aborted) {
        counts.deferred++;
        return;
      }
      try {
        counts[await follow(context, folders, record)]++;
      } catch (err) {
        if (!isRemoteFailure(err) && !context.signal.aborted) throw err;
        counts.deferred++;
        if (!context.signal.aborted) {
          context.log({ level: "warn", message: `${record.storedAs}: its status could not be checked, left for the next run (${messageOf(err)})`, file: record.file, messageId: record.messageId, executionId: record.executionId });
        }
      }
    });
  } finally {
    lock.release();
  }
  return { counts: { ...counts }, unfinished: counts.deferred };
}

async function follow(context: JobContext<NoState>, folders: UploadFolders, record: UploadRecord): Promise<"succeeded" | "failed" | "pending"> {
  // The upload wrote the status file and has not moved the file in yet (it is running, or it will on its next run).
  if (await exists(path.join(folders.sending, claimedName(record.claim, record.file)))) return "pending";
  const final =
    record.messageId !== undefined
      ? await messageOutcome(context, { ...record, messageId: record.messageId })
      : record.executionId !== undefined
        ? await executionOutcome(context, record.executionId, record.entities ?? [])
        : undefined;
  if (final === undefined) return "pending";
  const { status, succeeded, executionId, errors } = final;
  const updated: UploadRecord = { ...record, status, finishedAt: new Date(context.now()).toISOString(), ...(executionId ? { executionId } : {}) };
  const name = await placeFinal(folders, succeeded ? folders.success : folders.error, path.join(folders.uploaded, record.storedAs), updated, errors);
  // Last: until this is gone, a rerun after a crash does all of the above again under the same name.
  await unlink(path.join(folders.uploaded, `${record.storedAs}${statusSuffix}`));
  await flushFolder(folders.uploaded);
  const what = record.messageId !== undefined ? `message ${record.messageId}` : `execution ${record.executionId}`;
  context.log({
    level: succeeded ? "info" : "warn",
    message: `${record.file}: ${what} ${status}; moved to ${succeeded ? "success" : "error"}/${name}`,
    file: record.file,
    messageId: record.messageId,
    executionId: record.executionId,
    status,
  });
  return succeeded ? "succeeded" : "failed";
}

/** A final status, and for a failure what to write beside the file (given its final path). */
interface Final {
  status: string;
  succeeded: boolean;
  executionId?: string;
  errors?: (file: string) => Promise<ErrorsFile>;
}

/**
 * An enqueued message: GetMessageStatus, and on a failed status message ID → execution ID → the error files of
 * that execution (for the job's entity, when it has one).
 */
async function messageOutcome(context: JobContext<NoState>, record: UploadRecord & { messageId: string }): Promise<Final | undefined> {
  const { messageId } = record;
  const call = { signal: context.signal };
  const status = await context.client.getMessageStatus(messageId, call);
  const phase = messageStatusPhase(status);
  if (phase === "pending") return undefined;
  if (phase === "unknown") {
    context.log({ level: "warn", message: `message ${messageId} has the status '${status}', which is not a known one; checked again next run`, messageId, status });
    return undefined;
  }
  if (phase === "succeeded") return { status, succeeded: true };
  const executionId = await context.client.getExecutionIdByMessageId(messageId, call);
  // Not picked up by the batch job yet, as far as this API tells: its errors cannot be read before it is.
  if (executionId === "" || executionId === emptyGuid) return undefined;
  return { status, succeeded: false, executionId, errors: failureFiles(context, executionId, status, record.entity !== undefined ? [record.entity] : [], { messageId }) };
}

/**
 * A package import's execution: GetExecutionSummaryStatus until final (Succeeded → success/; PartiallySucceeded,
 * Failed, Canceled, Unknown → error/ with its error files, for the package's entities).
 */
async function executionOutcome(context: JobContext<NoState>, executionId: string, entities: string[]): Promise<Final | undefined> {
  const status = await context.client.getExecutionSummaryStatus(executionId, { signal: context.signal });
  const phase = executionStatusPhase(status);
  if (phase === "running" || phase === "unrecognised") return undefined;
  if (phase === "succeeded") return { status, succeeded: true };
  return { status, succeeded: false, errors: failureFiles(context, executionId, status, entities, {}) };
}

/** Writes the execution's error files beside the file's final path; what `<name>.errors.json` then says. */
function failureFiles(context: JobContext<NoState>, executionId: string, status: string, entities: readonly string[], extra: { messageId?: string }): (file: string) => Promise<ErrorsFile> {
  return async (file) => {
    const written = await writeErrorFiles({ client: context.client, executionId, entities, beside: file, signal: context.signal });
    for (const problem of written.problems) context.log({ level: "warn", message: `${path.basename(file)}: ${problem}`, executionId });
    return { ...extra, executionId, status, ...written, errors: written.errors?.errors, raw: written.errors?.raw };
  };
}
