import { createHash, randomUUID } from "node:crypto";
import { createReadStream } from "node:fs";
import { link, lstat, mkdir, readdir, readFile, rename, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import { errorCodes, ToolError } from "../../errors/index.ts";
import { flushFolder } from "../../workflows/durable.ts";
import { FolderLock } from "../../workflows/folder-lock.ts";

/**
 * The folder an upload job and its monitor share. Files dropped into the folder itself are the inbox; each one
 * then passes through the job's own stages and ends in exactly one of `success/` or `error/`:
 *
 *   <folder>/name                       waiting (the inbox)
 *   .fno-upload/claimed/<claim>--name   claimed by one run, not sent: a restart puts it back into the inbox
 *   .fno-upload/sending/<claim>--name   it may have been sent: sent again only if F&O can tell it has nothing
 *   .fno-upload/intents/<claim>.json    import-package: the execution ID it is imported under, on disk first
 *   uploaded/name + name.status.json    enqueued; the status file holds the message ID
 *   success/ or error/                  final, with the status file (and `name.errors.json` for F&O's errors)
 *
 * Every move is a rename within the folder, so a file is always under exactly one name; a rename is flushed to
 * disk before anything depends on it, and left unflushed where the next run repairs what a power failure could
 * undo (folder-send.ts says which is which).
 */
export interface UploadFolders {
  inbox: string;
  claimed: string;
  sending: string;
  /**
   * Temporary files of this role's atomic writes (status and errors files): `.fno-upload/tmp/<role>`. Upload and
   * monitor runs of one folder run at once under their own locks, so each has its own: a run's sweep of what a
   * crash left (sweepTemporary) then never removes the other role's file between its write and its rename.
   */
  tmp: string;
  /** What a kind must know about a claim before its file is sent (import-package: the execution ID), by claim. */
  intents: string;
  uploaded: string;
  success: string;
  error: string;
  /** Lock folders: one upload run and one monitor run at a time in a folder, each independent of the other. */
  uploadLock: string;
  monitorLock: string;
}

export const uploadStateDir = ".fno-upload";

/** Which of a folder's two kinds of run: each takes its own lock and its own temporary files. */
export type FolderRole = "upload" | "monitor";

export function uploadFolders(folder: string, role: FolderRole): UploadFolders {
  const inbox = path.resolve(folder);
  const state = path.join(inbox, uploadStateDir);
  return {
    inbox,
    claimed: path.join(state, "claimed"),
    sending: path.join(state, "sending"),
    tmp: path.join(state, "tmp", role),
    intents: path.join(state, "intents"),
    uploaded: path.join(inbox, "uploaded"),
    success: path.join(inbox, "success"),
    error: path.join(inbox, "error"),
    uploadLock: path.join(state, "upload"),
    monitorLock: path.join(state, "monitor"),
  };
}

/** Folders of the layout that are not inbox files: never picked up as uploads. */
export const layoutNames = new Set([uploadStateDir, "uploaded", "success", "error"]);

/**
 * Checks that the folder can be read and creates the stages; a folder that cannot be read or written stops the
 * job (the runner reports it, and the other jobs keep running).
 */
export async function prepareFolders(folders: UploadFolders): Promise<void> {
  try {
    await readdir(folders.inbox);
    for (const dir of [folders.claimed, folders.sending, folders.tmp, folders.intents, folders.uploaded, folders.success, folders.error, folders.uploadLock, folders.monitorLock]) {
      await mkdir(dir, { recursive: true });
    }
  } catch (err) {
    throw new ToolError(errorCodes.unreadable, `the job's folder ${folders.inbox} cannot be used: ${(err as Error).message}`, { cause: err });
  }
}

/** One run of `role` in the folder at a time (across processes too); a second one is refused, naming the first. */
export function lockFolder(lockDir: string, role: FolderRole, folder: string): Promise<FolderLock> {
  return FolderLock.acquire(lockDir, { what: folder, holder: `another ${role} run` });
}

/**
 * Removes the temporary files of atomic writes a crash cut short: never under a final name, so never needed. Only
 * with the role's lock held, so no run of that role is writing one.
 */
export async function sweepTemporary(folders: UploadFolders): Promise<void> {
  for (const name of await readdir(folders.tmp)) await rm(path.join(folders.tmp, name), { force: true });
}

/** The status file of an uploaded file: everything needed to follow it, and what happened to it. */
export interface UploadRecord {
  /** Marks the JSON as a status file of this layout (a data file may be JSON too). */
  record: typeof recordMarker;
  /** The file's name in the inbox, sent as `x-ms-dyn-externalidentifier`. */
  file: string;
  /** Its name in this folder (the inbox name, or `name~2.ext` when that was taken). */
  storedAs: string;
  /** The claim that sent it: unique per upload attempt, so a restart can tell its own files. */
  claim: string;
  job: string;
  environment: string;
  /** Upload jobs: where the file was enqueued. */
  activityId?: string;
  entity?: string;
  company?: string;
  /** Import-package jobs: the data project and legal entity it was imported into, and the package's entities. */
  definitionGroupId?: string;
  legalEntityId?: string;
  entities?: string[];
  size: number;
  sha256: string;
  /** When its enqueue started (ISO). */
  sentAt: string;
  messageId?: string;
  enqueuedAt?: string;
  /**
   * F&O's status: the message's (`Enqueued` until the monitor sees a final one) or the execution's (`Started`, then
   * GetExecutionSummaryStatus's final value); or `OutcomeUnknown` (the file may have reached F&O; not sent again)
   * or `Rejected` (F&O refused the file: nothing was created).
   */
  status: string;
  /** When the file reached success/ or error/ (ISO). */
  finishedAt?: string;
  executionId?: string;
  /** Why the file is in error/ without a final F&O status. */
  problem?: string;
  /** What the admin can do about it. */
  action?: string;
}

export const recordMarker = "fno-upload-status/1";
export const statusSuffix = ".status.json";
export const errorsSuffix = ".errors.json";

/** The status written when an enqueue may or may not have reached F&O. */
export const outcomeUnknown = "OutcomeUnknown";
/** The status written when F&O answered the enqueue with an error that names the file (400, 413, …). */
export const rejected = "Rejected";

/** `<claim>--<name>`: the name of a claimed file in claimed/ and sending/. */
export function claimedName(claim: string, file: string): string {
  return `${claim}--${file}`;
}

/** A new claim: a random UUID, 36 characters. */
export function newClaim(): string {
  return randomUUID();
}

export function parseClaimedName(name: string): { claim: string; file: string } | undefined {
  const match = /^([0-9a-f-]{36})--(.+)$/.exec(name);
  return match ? { claim: match[1]!, file: match[2]! } : undefined;
}

/** The status record in `file`, or undefined when it is missing or is not a status file of this layout. */
export async function readRecord(file: string): Promise<UploadRecord | undefined> {
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw err;
  }
  try {
    const record = JSON.parse(text) as Partial<UploadRecord>;
    const valid = record.record === recordMarker && typeof record.claim === "string" && `${record.storedAs}${statusSuffix}` === path.basename(file);
    return valid ? (record as UploadRecord) : undefined;
  } catch {
    return undefined;
  }
}

/** The status records in a folder, by data file name (`storedAs`). */
export async function readRecords(dir: string): Promise<UploadRecord[]> {
  const records: UploadRecord[] = [];
  for (const name of (await readdir(dir)).filter((n) => n.endsWith(statusSuffix)).sort()) {
    const record = await readRecord(path.join(dir, name));
    if (record) records.push(record);
  }
  return records;
}

/** Writes JSON to `file` atomically: a flushed temporary file renamed over it. The caller flushes the folder. */
export async function writeJsonAtomic(folders: UploadFolders, file: string, value: unknown): Promise<void> {
  const tmp = path.join(folders.tmp, `${randomUUID()}.json`);
  await writeFile(tmp, JSON.stringify(value, null, 2) + "\n", { flush: true });
  await rename(tmp, file);
}

export async function exists(file: string): Promise<boolean> {
  return lstat(file).then(
    () => true,
    (err: NodeJS.ErrnoException) => {
      if (err.code === "ENOENT") return false;
      throw err;
    },
  );
}

/** `name` for n = 1, else `stem~n.ext`: the n-th candidate when a name is taken. */
export function candidateName(name: string, n: number): string {
  if (n === 1) return name;
  const ext = path.extname(name);
  const stem = ext === "" || ext === name ? name : name.slice(0, -ext.length);
  return `${stem}~${n}${ext === name ? "" : ext}`;
}

/**
 * Gives `record` a name in `dir` and writes its status file there, whole, under `<name>.status.json`; returns the
 * name. The name is the first candidate (its current name, then `name`, `name~2.ext`, …) that is either already
 * this claim's (an earlier attempt wrote its status there before a crash: rewritten) or free. A free name is taken by hard-linking the finished file to it, which
 * fails if the name exists: of two files with the same name placed at once, each gets its own. The caller flushes
 * `dir` (with whatever else it puts there) before anything depends on the status file.
 */
export async function writeRecord(folders: UploadFolders, dir: string, record: UploadRecord): Promise<string> {
  for (let n = 0; ; n++) {
    // The name it has now first, so a file keeps its name from uploaded/ to success/ or error/ where it can.
    const name = n === 0 ? record.storedAs : candidateName(record.file, n);
    if (n > 0 && name === record.storedAs) continue;
    const status = path.join(dir, `${name}${statusSuffix}`);
    const tmp = path.join(folders.tmp, `${randomUUID()}.json`);
    await writeFile(tmp, JSON.stringify({ ...record, storedAs: name } satisfies UploadRecord, null, 2) + "\n", { flush: true });
    try {
      if ((await readRecord(status))?.claim === record.claim) await rename(tmp, status);
      else if (await exists(path.join(dir, name))) continue;
      else if (!(await linkIfAbsent(tmp, status))) continue;
      return name;
    } finally {
      await rm(tmp, { force: true });
    }
  }
}

/** Creates `target` as a second name of `source`; false when `target` exists. */
async function linkIfAbsent(source: string, target: string): Promise<boolean> {
  try {
    await link(source, target);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "EEXIST") return false;
    throw err;
  }
}

/**
 * Puts a file and its status into `dir` (success/ or error/) under the record's name there, flushed, with
 * `<name>.errors.json` holding what `errors` gives (it may write more files beside the final path it is given).
 * Safe to repeat after a crash at any point: the name is found again by the claim, the JSON files are rewritten
 * whole, and a data file already moved is not looked for again. Returns the name.
 */
export async function placeFinal(folders: UploadFolders, dir: string, from: string, record: UploadRecord, errors?: (file: string) => Promise<unknown>): Promise<string> {
  const name = await writeRecord(folders, dir, record);
  if (errors !== undefined) await writeJsonAtomic(folders, path.join(dir, `${name}${errorsSuffix}`), await errors(path.join(dir, name)));
  // One flush for the status, the errors and the file: until it is done the caller keeps the file's earlier record.
  try {
    await rename(from, path.join(dir, name));
  } catch (err) {
    // Moved by the attempt that crashed after it (or removed by hand): the status file stands.
    if ((err as NodeJS.ErrnoException).code !== "ENOENT") throw err;
  }
  await flushFolder(dir);
  return name;
}

/** SHA-256 (hex) and size of a file, read as a stream. */
export async function digestFile(file: string): Promise<{ sha256: string; size: number }> {
  const hash = createHash("sha256");
  let size = 0;
  for await (const chunk of createReadStream(file) as AsyncIterable<Buffer>) {
    size += chunk.length;
    hash.update(chunk);
  }
  return { sha256: hash.digest("hex"), size };
}
