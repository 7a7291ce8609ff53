import { link, lstat, readdir, rename, rm, unlink } from "node:fs/promises";
import path from "node:path";
import { flushFolder } from "../../workflows/durable.ts";
import type { JobContext, JobOutcome } from "../kind.ts";
import { forEachBounded } from "./bounded.ts";
import { messageOf, type NoState } from "./common.ts";
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
  recordMarker,
  rejected,
  uploadFolders,
  sweepTemporary,
  writeRecord,
  type UploadFolders,
  type UploadRecord,
} from "./upload-folder.ts";

/** The settings every kind that sends a folder's files has (upload, import-package). */
export interface FolderSettings {
  folder: string;
  /** The order files are sent in: by name, by modification time (oldest first) or by size (smallest first). Default: name. */
  order?: "name" | "time" | "size";
  /** Files sent at once; default 1, which keeps F&O's order the folder's order. */
  concurrency?: number;
  /** Only files whose name matches (`*` and `?`, case-insensitive); default: every file. */
  pattern?: string;
}

export const folderSettingsSchema = {
  order: { enum: ["name", "time", "size"] },
  pattern: { type: "string", minLength: 1 },
} as const;

/**
 * The points of one file's way, in order: claimed (moved out of the inbox, not sent), sending (in sending/,
 * flushed, about to be sent), sent (F&O answered, nothing recorded yet), recorded (its status file is in
 * uploaded/, the file still in sending/), moved (the file is in uploaded/).
 */
export const sendSteps = ["claimed", "sending", "sent", "recorded", "moved"] as const;
export type SendStep = (typeof sendSteps)[number];

export interface SendHooks {
  /** Called synchronously as each file passes each step (a crash test kills the process there). Undefined in production. */
  onStep?: (step: SendStep, file: string) => void;
}

/** What F&O answered for a file that was sent: written into its status file. */
export type Sent = Pick<UploadRecord, "messageId" | "executionId" | "entities" | "status">;

/**
 * How a failed send is settled, for the file. `refused`: nothing was created and the file is not at fault (it goes
 * back to the inbox, and the run sends no more). `rejected`: nothing was created and F&O's answer is about the
 * file (error/, as Rejected). `unknown`: something may have been created (error/, as OutcomeUnknown, never sent
 * again; the run sends no more). `undecided`: it cannot be told now (the file stays in sending/ for the next run).
 */
export type Failure = "refused" | "rejected" | "unknown" | "undecided";

/** What one kind does with a claimed file, and what it makes of a file a crash left in sending/. */
export interface Sender {
  /** What the status file says about where files go (activity, entity, company; or data project). */
  target: Partial<Pick<UploadRecord, "activityId" | "entity" | "company" | "definitionGroupId" | "legalEntityId">>;
  /** What a file is called in logs once sent: "enqueued", "imported". */
  verb: string;
  /** Made durable before the file is moved to sending/ (e.g. the execution ID it will be imported under). */
  beforeSending?(claim: string): Promise<void>;
  /** Sends the file (never cut short by the signal: a started send finishes, so its outcome is known). */
  send(file: string, name: string, claim: string): Promise<Sent>;
  /** A failed send: either what F&O has after all, or how the failure is settled. */
  settle(err: unknown, claim: string, file: string): Promise<Sent | Failure>;
  /** A file in sending/ without its status file (the run stopped): what F&O has, or what to do with the file. */
  recover(claim: string, file: string): Promise<Sent | Failure>;
  /** For an OutcomeUnknown status file: how the admin finds out whether F&O has it. */
  howToCheck(record: UploadRecord, inbox: string): string;
  /** Done with a claim: whatever beforeSending kept for it can go. */
  forget?(claim: string): Promise<void>;
}

interface Counts {
  /** Sent and moved to uploaded/ by this run. */
  uploaded: number;
  /** F&O answered with an error that names the file: moved to error/ (nothing was created). */
  rejected: number;
  /** F&O may have the file: moved to error/ as OutcomeUnknown, never sent again. */
  unknown: number;
  /** Left for the next run: refused by the environment, not started, or undecided. */
  deferred: number;
  /** Claimed by an interrupted run and never sent: put back into the inbox. */
  returned: number;
  /** Sent by an interrupted run: its move to uploaded/ finished by this one. */
  resumed: number;
}

/**
 * One run of a kind that sends a folder's files: finish what an interrupted run left, then send the inbox's files
 * in order, each at most once (README, "Unattended jobs: upload guarantees"):
 * - One run per folder at a time (a lock under .fno-upload/upload), and a file is claimed by renaming it out of
 *   the inbox under a name unique to the claim: of two processes that try, one rename succeeds and the other
 *   finds the file gone, even where the lock cannot see the other process (another host on a shared folder).
 * - A file is moved to sending/ (and the move flushed to disk) before it is sent, and nothing in sending/ is sent
 *   again unless the sender can tell F&O never got it (see Sender.recover).
 * - F&O's answer is recorded in the status file in uploaded/ before the file itself is moved there; the monitor
 *   follows a status file only once its file has arrived.
 */
export async function runFolderSend(context: JobContext<NoState>, settings: FolderSettings, sender: Sender, hooks: SendHooks = {}): Promise<JobOutcome> {
  const folders = uploadFolders(settings.folder, "upload");
  await prepareFolders(folders);
  const lock = await lockFolder(folders.uploadLock, "upload", folders.inbox);
  const counts: Counts = { uploaded: 0, rejected: 0, unknown: 0, deferred: 0, returned: 0, resumed: 0 };
  const onStep = hooks.onStep ?? (() => undefined);
  const now = () => new Date(context.now()).toISOString();
  try {
    await recover(context, folders, sender, counts);
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
      await sender.beforeSending?.(claim);
      const sendingFile = path.join(folders.sending, inFlight);
      // Durable before the request starts: a file that may have been sent must never be found in claimed/ or the inbox again.
      await rename(claimedFile, sendingFile);
      await flushFolder(folders.claimed);
      await flushFolder(folders.sending);
      onStep("sending", file.name);
      const record: UploadRecord = {
        record: recordMarker,
        file: file.name,
        storedAs: file.name,
        claim,
        job: context.job,
        environment: context.environment,
        ...sender.target,
        size,
        sha256,
        sentAt: now(),
        status: "Sending",
      };
      let sent: Sent | Failure;
      try {
        sent = await sender.send(sendingFile, file.name, claim);
      } catch (err) {
        sent = await sender.settle(err, claim, file.name);
        if (typeof sent === "string") {
          if (sent === "refused" || sent === "unknown" || sent === "undecided") stopped = true;
          await settleFailure(context, folders, sender, sent, record, err, counts);
          return;
        }
      }
      onStep("sent", file.name);
      const storedAs = await recordSent(context, folders, sender, { ...record, ...sent, enqueuedAt: now() });
      onStep("recorded", file.name);
      await moveToUploaded(folders, sender, sendingFile, storedAs, claim);
      onStep("moved", file.name);
      counts.uploaded++;
    });
  } finally {
    lock.release();
  }
  return { counts: { ...counts }, unfinished: counts.deferred };
}

/** Writes the status file of a file F&O has into uploaded/ (flushed); returns the file's name there. */
async function recordSent(context: JobContext<NoState>, folders: UploadFolders, sender: Sender, record: UploadRecord): Promise<string> {
  // Logged before anything else can fail: should recording it fail, the log still names it.
  const id = record.messageId !== undefined ? `message ${record.messageId}` : `execution ${record.executionId}`;
  context.log({ level: "info", message: `${record.file} ${sender.verb} as ${id}`, file: record.file, messageId: record.messageId, executionId: record.executionId });
  // Its own name, or `name~n.ext` while a file of that name is still followed in uploaded/.
  const storedAs = await writeRecord(folders, folders.uploaded, record);
  await flushFolder(folders.uploaded);
  return storedAs;
}

/**
 * Flushing uploaded/ is enough: should the file reappear in sending/ after a power failure, the next run finds its
 * status file in uploaded/ by the claim and moves it again.
 */
async function moveToUploaded(folders: UploadFolders, sender: Sender, from: string, storedAs: string, claim: string): Promise<void> {
  await rename(from, path.join(folders.uploaded, storedAs));
  await flushFolder(folders.uploaded);
  await sender.forget?.(claim);
}

/** A send that failed, settled as `failure` says (see Failure). */
async function settleFailure(context: JobContext<NoState>, folders: UploadFolders, sender: Sender, failure: Failure, record: UploadRecord, err: unknown, counts: Counts): Promise<void> {
  const inFlight = claimedName(record.claim, record.file);
  const sendingFile = path.join(folders.sending, inFlight);
  if (failure === "refused") {
    counts.deferred++;
    await rename(sendingFile, path.join(folders.claimed, inFlight));
    await flushFolder(folders.sending);
    await flushFolder(folders.claimed);
    await returnToInbox(context, folders, sender, inFlight, record.file);
    context.log({ level: "warn", message: `${record.file} left for the next run: the environment refused it, so this run sends no more (${messageOf(err)})`, file: record.file });
    return;
  }
  if (failure === "undecided") {
    counts.deferred++;
    context.log({ level: "warn", message: `${record.file} waits in ${folders.sending} until F&O can tell whether it has it; this run sends no more (${messageOf(err)})`, file: record.file });
    return;
  }
  await moveToError(context, folders, sender, sendingFile, { ...record, status: failure === "rejected" ? rejected : outcomeUnknown }, err);
  counts[failure === "rejected" ? "rejected" : "unknown"]++;
}

/**
 * What an interrupted run left: files claimed and never sent go back to the inbox; files in sending/ whose status
 * file made it to uploaded/ join it there; the others are what the sender makes of them (Sender.recover).
 */
async function recover(context: JobContext<NoState>, folders: UploadFolders, sender: Sender, counts: Counts): Promise<void> {
  for (const name of await readdir(folders.claimed)) {
    const parsed = parseClaimedName(name);
    if (parsed && (await returnToInbox(context, folders, sender, name, parsed.file))) counts.returned++;
  }
  const sending = await readdir(folders.sending);
  if (sending.length > 0) {
    const recorded = new Map((await readRecords(folders.uploaded)).map((record) => [record.claim, record]));
    for (const name of sending) {
      const parsed = parseClaimedName(name);
      if (!parsed) continue;
      const file = path.join(folders.sending, name);
      const known = recorded.get(parsed.claim);
      if (known) {
        await moveToUploaded(folders, sender, file, known.storedAs, parsed.claim);
        counts.resumed++;
        continue;
      }
      const { sha256, size } = await digestFile(file);
      // The move into sending/ is the last thing that touched the file: its change time is when it was sent.
      const sentAt = (await lstat(file)).ctime.toISOString();
      const record: UploadRecord = {
        record: recordMarker,
        file: parsed.file,
        storedAs: parsed.file,
        claim: parsed.claim,
        job: context.job,
        environment: context.environment,
        ...sender.target,
        size,
        sha256,
        sentAt,
        status: "Sending",
      };
      const interrupted = new Error("the run that sent it stopped (a crash, a kill or a power loss) before F&O's answer was recorded");
      const outcome = await sender.recover(parsed.claim, parsed.file).catch(() => "undecided" as const);
      if (typeof outcome !== "string") {
        const storedAs = await recordSent(context, folders, sender, { ...record, ...outcome, enqueuedAt: sentAt });
        await moveToUploaded(folders, sender, file, storedAs, parsed.claim);
        counts.resumed++;
      } else if (outcome === "refused" || outcome === "rejected") {
        // Never reached F&O: as good as never sent.
        await rename(file, path.join(folders.claimed, name));
        await flushFolder(folders.sending);
        await flushFolder(folders.claimed);
        if (await returnToInbox(context, folders, sender, name, parsed.file)) counts.returned++;
      } else if (outcome === "undecided") counts.deferred++;
      else {
        await moveToError(context, folders, sender, file, { ...record, status: outcomeUnknown }, interrupted);
        counts.unknown++;
      }
    }
  }
  await sweepTemporary(folders);
}

/** Moves a file that will not be monitored into error/, with a status file that says why and what to do. */
async function moveToError(context: JobContext<NoState>, folders: UploadFolders, sender: Sender, from: string, record: UploadRecord, err: unknown): Promise<void> {
  const unknown = record.status === outcomeUnknown;
  const action = unknown
    ? sender.howToCheck(record, folders.inbox)
    : `F&O refused the file and created nothing: correct it (or the job's settings) and move it back into ${folders.inbox} to send it again.`;
  const final = { ...record, problem: messageOf(err), action, finishedAt: new Date(context.now()).toISOString() };
  // Should the file reappear in sending/ after a power failure, the next run places it again under the same claim and name.
  const name = await placeFinal(folders, folders.error, from, final);
  await sender.forget?.(record.claim);
  context.log({
    level: "error",
    message: unknown ? `${record.file}: whether F&O has it is unknown; moved to error/${name} and not sent again` : `${record.file}: F&O refused it; moved to error/${name}`,
    file: record.file,
    problem: final.problem,
  });
}

/**
 * Puts a claimed file that was never sent back under its inbox name. A new file that arrived under that name
 * meanwhile is never overwritten (a hard link fails if the name exists): the claimed one then waits in claimed/
 * for a later run. True when it was put back.
 */
async function returnToInbox(context: JobContext<NoState>, folders: UploadFolders, sender: Sender, claimed: string, file: string): Promise<boolean> {
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
  const parsed = parseClaimedName(claimed);
  if (parsed) await sender.forget?.(parsed.claim);
  return true;
}

interface InboxFile {
  name: string;
  size: number;
  mtimeMs: number;
}

/** The inbox's files in sending order: regular files, not hidden (a name starting with a dot), matching the pattern. */
async function inboxFiles(inbox: string, settings: FolderSettings): Promise<InboxFile[]> {
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
