import { unlink } from "node:fs/promises";
import path from "node:path";
import { emptyGuid, messageStatusPhase } from "../../client/index.ts";
import { flushFolder } from "../../workflows/durable.ts";
import type { JobContext, JobKind, JobOutcome } from "../kind.ts";
import { forEachBounded } from "./bounded.ts";
import { folderSchema, isRemoteFailure, messageOf, noState, type NoState } from "./common.ts";
import { claimedName, exists, lockFolder, placeFinal, prepareFolders, readRecords, statusSuffix, uploadFolders, type UploadFolders, type UploadRecord } from "./upload-folder.ts";

export interface MonitorSettings {
  /** The folder of the upload job whose files this follows. */
  folder: string;
  /** Messages checked at once; default 4. */
  concurrency?: number;
}

/** What GetExecutionErrors said about a message that ended in error, written beside it as `<name>.errors.json`. */
export interface ErrorsFile {
  messageId: string;
  executionId: string;
  status: string;
  /** The parsed entries when F&O's text is a JSON list, else undefined (see `raw`). */
  errors: unknown[] | undefined;
  raw: string;
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
  initialState: noState,
  run: runMonitor,
};

/**
 * One monitor run: asks F&O for the status of every message in uploaded/ and moves each one that reached a final
 * status, with its status file, to success/ (Processed) or error/ (any failed status: ProcessedWithErrors,
 * PreProcessingError, PostProcessingError or PostProcessingFailed, compared case-insensitively), fetching the
 * execution's errors for the latter (message ID → execution ID → errors). Anything else, and a failed message
 * whose execution ID is still the empty GUID, waits for the next run; so does a message whose check failed.
 */
export async function runMonitor(context: JobContext<NoState>, settings: MonitorSettings): Promise<JobOutcome> {
  const folders = uploadFolders(settings.folder);
  await prepareFolders(folders);
  const lock = await lockFolder(folders.monitorLock, "monitor", folders.inbox);
  const counts = { succeeded: 0, failed: 0, pending: 0, deferred: 0 };
  try {
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
          context.log({ level: "warn", message: `${record.storedAs}: its status could not be checked, left for the next run (${messageOf(err)})`, file: record.file, messageId: record.messageId });
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
  const messageId = record.messageId;
  if (messageId === undefined) return "pending";
  const call = { signal: context.signal };
  const status = await context.client.getMessageStatus(messageId, call);
  const phase = messageStatusPhase(status);
  if (phase === "pending") return "pending";
  if (phase === "unknown") {
    context.log({ level: "warn", message: `${record.storedAs}: message ${messageId} has the status '${status}', which is not a known one; checked again next run`, file: record.file, messageId, status });
    return "pending";
  }
  const from = path.join(folders.uploaded, record.storedAs);
  const finishedAt = new Date(context.now()).toISOString();
  let place: { dir: string; errors?: ErrorsFile; executionId?: string };
  if (phase === "succeeded") place = { dir: folders.success };
  else {
    const executionId = await context.client.getExecutionIdByMessageId(messageId, call);
    // Not picked up by the batch job yet, as far as this API tells: its errors cannot be read before it is.
    if (executionId === "" || executionId === emptyGuid) return "pending";
    const errors = await context.client.getExecutionErrors(executionId, call);
    place = { dir: folders.error, executionId, errors: { messageId, executionId, status, errors: errors.errors, raw: errors.raw } };
  }
  const final: UploadRecord = { ...record, status, finishedAt, ...(place.executionId ? { executionId: place.executionId } : {}) };
  const name = await placeFinal(folders, place.dir, from, final, place.errors);
  // Last: until this is gone, a rerun after a crash does all of the above again under the same name.
  await unlink(path.join(folders.uploaded, `${record.storedAs}${statusSuffix}`));
  await flushFolder(folders.uploaded);
  const succeeded = phase === "succeeded";
  context.log({
    level: succeeded ? "info" : "warn",
    message: `${record.file}: message ${messageId} ${status}; moved to ${succeeded ? "success" : "error"}/${name}`,
    file: record.file,
    messageId,
    status,
  });
  return succeeded ? "succeeded" : "failed";
}
