import { openAsBlob } from "node:fs";
import { link, lstat, readdir, rename, rm, unlink } from "node:fs/promises";
import path from "node:path";
import type { RetryOptions } from "../../client/index.ts";
import { errorCode } from "../../client/transport.ts";
import { flushFolder } from "../../workflows/durable.ts";
import type { JobContext, JobKind, JobOutcome } from "../kind.ts";
import { forEachBounded } from "./bounded.ts";
import { activityIdSchema, folderSchema, isRemoteFailure, messageOf, noState, type NoState } from "./common.ts";
import {
  claimedName,
  digestFile,
  layoutNames,
  lockFolder,
  newClaim,
  outcomeUnknown,
  parseClaimedName,
  placeFinal,
  prepareFolders,
  readRecords,
  rejected,
  uploadFolders,
  writeRecord,
  type UploadFolders,
  type UploadRecord,
} from "./upload-folder.ts";

export interface UploadSettings {
  folder: string;
  activityId: string;
  /** The `entity` query parameter: the entity name as the data project shows it (omit for data package jobs). */
  entity?: string;
  /** The `company` query parameter (DataAreaId). */
  company?: string;
  /** The order files are sent in: by name, by modification time (oldest first) or by size (smallest first). Default: name. */
  order?: "name" | "time" | "size";
  /** Files sent at once; default 1, which keeps F&O's message order the folder's order. */
  concurrency?: number;
  /** Only files whose name matches (`*` and `?`, case-insensitive); default: every file. */
  pattern?: string;
}

/**
 * The points of one file's upload, in order: claimed (moved out of the inbox, not sent), sending (in sending/,
 * flushed, its enqueue about to start), enqueued (F&O answered with a message ID, nothing recorded yet), recorded
 * (its status file is in uploaded/, the file still in sending/), moved (the file is in uploaded/).
 */
export const uploadSteps = ["claimed", "sending", "enqueued", "recorded", "moved"] as const;
export type UploadStep = (typeof uploadSteps)[number];

export interface UploadHooks {
  /** Called synchronously as each file passes each step (a crash test kills the process there). Undefined in production. */
  onStep?: (step: UploadStep, file: string) => void;
}

const maxConcurrency = 16;

export const uploadKind: JobKind<UploadSettings, NoState> = {
  kind: "upload",
  settingsSchema: {
    type: "object",
    required: ["folder", "activityId"],
    additionalProperties: false,
    properties: {
      folder: folderSchema,
      activityId: activityIdSchema,
      entity: { type: "string", minLength: 1 },
      company: { type: "string", minLength: 1 },
      order: { enum: ["name", "time", "size"] },
      concurrency: { type: "integer", minimum: 1, maximum: maxConcurrency },
      pattern: { type: "string", minLength: 1 },
    },
  },
  initialState: noState,
  run: (context, settings) => runUpload(context, settings),
};

/** How an enqueue that threw ended, for the file: see `classifyEnqueueFailure`. */
type Failure = "refused" | "rejected" | "unknown";

interface Counts {
  /** Enqueued and moved to uploaded/ by this run. */
  uploaded: number;
  /** F&O answered with an error that names the file: moved to error/ (no message exists). */
  rejected: number;
  /** The enqueue may have reached F&O: moved to error/ as OutcomeUnknown, never sent again. */
  unknown: number;
  /** Left in the inbox for the next run (refused by the environment, or not started). */
  deferred: number;
  /** Claimed by an interrupted run and never sent: put back into the inbox. */
  returned: number;
  /** Enqueued and recorded by an interrupted run: its move to uploaded/ finished by this one. */
  resumed: number;
}

/**
 * One upload run: finish what an interrupted run left, then send the inbox's files in order, each at most once.
 *
 * The guarantee, and how each step keeps it (README, "Unattended jobs: upload guarantees"):
 * - One run per folder at a time (a lock under .fno-upload/upload), and a file is claimed by renaming it out of
 *   the inbox under a name unique to the claim: of two processes that try, one rename succeeds and the other
 *   finds the file gone, even where the lock cannot see the other process (another host on a shared folder).
 * - A file is moved to sending/ (and the move flushed to disk) before its enqueue starts, and nothing in sending/
 *   is ever enqueued again: after a crash, a file there whose status file is missing may or may not be a message
 *   in F&O (Enqueue is not idempotent and the API cannot look a message up by its external identifier), so it
 *   goes to error/ as OutcomeUnknown, with how to check it in F&O.
 * - F&O's answer is recorded in the status file in uploaded/ before the file itself is moved there; the monitor
 *   follows a status file only once its file has arrived.
 * - An enqueue the environment refused outright (429 or 503 after the transport's retries, 401, 403, 404, a token
 *   that could not be had, a connection never made) created nothing: the file goes back to the inbox, and the run
 *   sends no more (the next run tries again). An error that names the file (400, 413, …) sends it to error/.
 *   An answer that may come after F&O created the message (500, 502, 504, a connection broken mid-request) makes
 *   its outcome unknown, and stops the run too: the next file would likely meet the same.
 */
export async function runUpload(context: JobContext<NoState>, settings: UploadSettings, hooks: UploadHooks = {}): Promise<JobOutcome> {
  const folders = uploadFolders(settings.folder);
  await prepareFolders(folders);
  const lock = await lockFolder(folders.uploadLock, "upload", folders.inbox);
  const counts: Counts = { uploaded: 0, rejected: 0, unknown: 0, deferred: 0, returned: 0, resumed: 0 };
  const onStep = hooks.onStep ?? (() => undefined);
  try {
    await recover(context, settings, folders, counts);
    const files = await inboxFiles(folders.inbox, settings);
    /** Set when the environment refused a file or answered ambiguously: the rest wait for the next run. */
    let stopped = false;
    await forEachBounded(files, settings.concurrency ?? 1, async (file) => {
      if (stopped || context.signal.aborted) {
        counts.deferred++;
        return;
      }
      const claim = newClaim();
      const inFlight = claimedName(claim, file.name);
      const claimedFile = path.join(folders.claimed, inFlight);
      try {
        await rename(path.join(folders.inbox, file.name), claimedFile);
      } catch (err) {
        // Removed, or claimed by another process, since the folder was listed.
        if ((err as NodeJS.ErrnoException).code === "ENOENT") return;
        throw err;
      }
      // Not flushed: a claim lost to a power failure only puts a file that was never sent back into the inbox.
      onStep("claimed", file.name);
      const { sha256, size } = await digestFile(claimedFile);
      const sendingFile = path.join(folders.sending, inFlight);
      // Durable before the request starts: a file that may have been sent must never be found in claimed/ or the inbox again.
      await rename(claimedFile, sendingFile);
      await flushFolder(folders.claimed);
      await flushFolder(folders.sending);
      onStep("sending", file.name);
      const record: UploadRecord = {
        record: "fno-upload-status/1",
        file: file.name,
        storedAs: file.name,
        claim,
        job: context.job,
        environment: context.environment,
        activityId: settings.activityId,
        ...(settings.entity !== undefined ? { entity: settings.entity } : {}),
        ...(settings.company !== undefined ? { company: settings.company } : {}),
        size,
        sha256,
        sentAt: new Date(context.now()).toISOString(),
        status: "Enqueued",
      };
      let messageId: string;
      try {
        // Without the abort signal: a shutdown lets a started enqueue finish, so its outcome is known.
        messageId = await context.client.enqueue(settings.activityId, await openAsBlob(sendingFile), {
          externalIdentifier: file.name,
          ...(settings.entity !== undefined ? { entity: settings.entity } : {}),
          ...(settings.company !== undefined ? { company: settings.company } : {}),
        });
      } catch (err) {
        const failure = classifyEnqueueFailure(err, context.client.retryPolicy);
        if (failure === "refused") {
          stopped = true;
          counts.deferred++;
          await rename(sendingFile, claimedFile);
          await flushFolder(folders.sending);
          await flushFolder(folders.claimed);
          await returnToInbox(context, folders, inFlight, file.name);
          context.log({ level: "warn", message: `${file.name} left for the next run: the environment refused the upload, so this run sends no more (${messageOf(err)})`, file: file.name });
          return;
        }
        if (failure === "unknown") stopped = true;
        await moveToError(context, folders, sendingFile, { ...record, status: failure === "rejected" ? rejected : outcomeUnknown }, err);
        counts[failure === "rejected" ? "rejected" : "unknown"]++;
        return;
      }
      onStep("enqueued", file.name);
      // Logged before anything else can fail: should recording it fail, the log still names the message.
      context.log({ level: "info", message: `${file.name} enqueued as message ${messageId}`, file: file.name, messageId });
      // Its own name, or `name~n.ext` while a file of that name is still followed in uploaded/.
      const storedAs = await writeRecord(folders, folders.uploaded, { ...record, messageId, enqueuedAt: new Date(context.now()).toISOString() });
      await flushFolder(folders.uploaded);
      onStep("recorded", file.name);
      // Flushing uploaded/ is enough: should the file reappear in sending/ after a power failure, the next run
      // finds its status file in uploaded/ by the claim and moves it again.
      await rename(sendingFile, path.join(folders.uploaded, storedAs));
      await flushFolder(folders.uploaded);
      onStep("moved", file.name);
      counts.uploaded++;
    });
  } finally {
    lock.release();
  }
  return { counts: { ...counts }, unfinished: counts.deferred };
}

/**
 * What an interrupted run left: files claimed and never sent go back to the inbox; files in sending/ whose status
 * file made it to uploaded/ join it there; the others may or may not be messages in F&O and go to error/.
 */
async function recover(context: JobContext<NoState>, settings: UploadSettings, folders: UploadFolders, counts: Counts): Promise<void> {
  for (const name of await readdir(folders.claimed)) {
    const parsed = parseClaimedName(name);
    if (parsed && (await returnToInbox(context, folders, name, parsed.file))) counts.returned++;
  }
  const sending = await readdir(folders.sending);
  if (sending.length > 0) {
    const recorded = new Map((await readRecords(folders.uploaded)).map((record) => [record.claim, record]));
    for (const name of sending) {
      const parsed = parseClaimedName(name);
      if (!parsed) continue;
      const file = path.join(folders.sending, name);
      const record = recorded.get(parsed.claim);
      if (record) {
        await rename(file, path.join(folders.uploaded, record.storedAs));
        await flushFolder(folders.uploaded);
        counts.resumed++;
        continue;
      }
      const { sha256, size } = await digestFile(file);
      // The move into sending/ is the last thing that touched the file: its change time is when its enqueue started.
      const sentAt = (await lstat(file)).ctime.toISOString();
      const interrupted = new Error("the run that sent it stopped (a crash, a kill or a power loss) before F&O's answer was recorded");
      await moveToError(
        context,
        folders,
        file,
        {
          record: "fno-upload-status/1",
          file: parsed.file,
          storedAs: parsed.file,
          claim: parsed.claim,
          job: context.job,
          environment: context.environment,
          activityId: settings.activityId,
          ...(settings.entity !== undefined ? { entity: settings.entity } : {}),
          ...(settings.company !== undefined ? { company: settings.company } : {}),
          size,
          sha256,
          sentAt,
          status: outcomeUnknown,
        },
        interrupted,
      );
      counts.unknown++;
    }
  }
  // Temporary files of atomic writes a crash cut short: never under a final name, so never needed.
  for (const name of await readdir(folders.tmp)) await rm(path.join(folders.tmp, name), { force: true });
}

/** Moves a file that will not be monitored into error/, with a status file that says why and what to do. */
async function moveToError(context: JobContext<NoState>, folders: UploadFolders, from: string, record: UploadRecord, err: unknown): Promise<void> {
  const unknown = record.status === outcomeUnknown;
  const action = unknown
    ? `It was not sent again, since a second enqueue would import it twice. Look in F&O for a message of the recurring data job ${record.activityId} ` +
      `(Manage scheduled data jobs) with the external identifier '${record.file}', sent at about ${record.sentAt}: if there is none, move this file back into ${folders.inbox} to send it again.`
    : `F&O refused the file and created no message: correct it (or the job's settings) and move it back into ${folders.inbox} to send it again.`;
  const final = { ...record, problem: messageOf(err), action, finishedAt: new Date(context.now()).toISOString() };
  // Should the file reappear in sending/ after a power failure, the next run places it again under the same claim and name.
  const name = await placeFinal(folders, folders.error, from, final);
  context.log({
    level: "error",
    message: unknown ? `${record.file}: the outcome of its upload is unknown; moved to error/${name} and not sent again` : `${record.file}: F&O refused it; moved to error/${name}`,
    file: record.file,
    problem: final.problem,
  });
}

/**
 * Puts a claimed file that was never sent back under its inbox name. A new file that arrived under that name
 * meanwhile is never overwritten (a hard link fails if the name exists): the claimed one then waits in claimed/
 * for a later run. True when it was put back.
 */
async function returnToInbox(context: JobContext<NoState>, folders: UploadFolders, claimed: string, file: string): Promise<boolean> {
  const from = path.join(folders.claimed, claimed);
  try {
    await link(from, path.join(folders.inbox, file));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
    context.log({ level: "warn", message: `${file} waits in ${folders.claimed}: a new file with its name is in the inbox`, file });
    return false;
  }
  await flushFolder(folders.inbox);
  await unlink(from);
  await flushFolder(folders.claimed);
  return true;
}

/**
 * Whether an enqueue that threw can have created a message. `refused`: certainly not, and the cause is the
 * environment or the job's settings, not the file (the file waits for the next run). `rejected`: certainly not,
 * and F&O's answer is about the request (the file goes to error/). `unknown`: the request may have been processed.
 */
export function classifyEnqueueFailure(err: unknown, policy: Pick<RetryOptions, "refusedStatuses" | "notConnectedCodes">): Failure {
  if (!isRemoteFailure(err)) return "unknown";
  const status = err.status;
  if (status === undefined) {
    // No answer: either nothing was sent (no token, no connection) or the exchange broke off after sending.
    if (/^\w+ failed: could not get a token/.test(err.message)) return "refused";
    const code = errorCode(err.cause);
    return code !== undefined && policy.notConnectedCodes.includes(code) ? "refused" : "unknown";
  }
  if (policy.refusedStatuses.includes(status) || [401, 403, 404, 408].includes(status) || (status >= 300 && status < 400)) return "refused";
  if (status >= 400 && status < 500) return "rejected";
  return "unknown";
}

interface InboxFile {
  name: string;
  size: number;
  mtimeMs: number;
}

/** The inbox's files in sending order: regular files, not hidden (a name starting with a dot), matching the pattern. */
async function inboxFiles(inbox: string, settings: UploadSettings): Promise<InboxFile[]> {
  const matches = globMatcher(settings.pattern ?? "*");
  const files: InboxFile[] = [];
  for (const entry of await readdir(inbox, { withFileTypes: true })) {
    if (!entry.isFile() || entry.name.startsWith(".") || layoutNames.has(entry.name) || !matches(entry.name)) continue;
    const stat = await lstat(path.join(inbox, entry.name)).catch(() => undefined);
    if (stat) files.push({ name: entry.name, size: stat.size, mtimeMs: stat.mtimeMs });
  }
  const byName = (a: InboxFile, b: InboxFile) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);
  const order = settings.order ?? "name";
  return files.sort((a, b) => (order === "time" ? a.mtimeMs - b.mtimeMs : order === "size" ? a.size - b.size : 0) || byName(a, b));
}

/** `*` any run of characters, `?` one character, everything else literal; case-insensitive. */
export function globMatcher(pattern: string): (name: string) => boolean {
  const source = [...pattern].map((c) => (c === "*" ? ".*" : c === "?" ? "." : c.replace(/[\\^$.|+()[\]{}]/g, "\\$&"))).join("");
  const regex = new RegExp(`^${source}$`, "is");
  return (name) => regex.test(name);
}
