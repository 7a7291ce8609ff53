/**
 * A job's folder checked before any run, by `jobs` and at `run`'s start: a path typed wrong is named at once, with
 * the line of jobs.yaml that sets it, instead of at the first due time, possibly hours later. It is a warning, not
 * a reason to keep the job from running: a folder on a network share may be mounted later, and each run checks it
 * again (its kind's own check, which fails that run and leaves the next due time to try again).
 */
import { constants, type Stats } from "node:fs";
import { access, stat } from "node:fs/promises";
import path from "node:path";
import { fsReason } from "../errors/index.ts";
import { settingProblem, type JobConfig } from "./config.ts";

/** What is wrong with the job's folder for its kind's use of it, as `file:line:column: key (pointer): what`; undefined when nothing is. */
export async function folderProblem(job: JobConfig): Promise<string | undefined> {
  const folder = job.settings.folder;
  if (job.kind.folderUse === undefined || typeof folder !== "string") return undefined;
  const problem = job.kind.folderUse === "inbox" ? await inboxProblem(folder) : await outputProblem(folder);
  return problem === undefined ? undefined : settingProblem(job, "folder", problem);
}

/** An inbox is listed, and its files renamed into the layout's folders inside it: it must be a folder, readable and writable. */
async function inboxProblem(folder: string): Promise<string | undefined> {
  try {
    return await usableFolder(folder, await stat(folder));
  } catch (err) {
    return `the folder ${folder} ${fsReason(err)}`;
  }
}

/** An output folder is made when missing (with the folders above it): the nearest one there must be a folder this process can write in. */
async function outputProblem(folder: string): Promise<string | undefined> {
  for (let at = folder; ; at = path.dirname(at)) {
    let stats: Stats;
    try {
      stats = await stat(at);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      // Missing, or under a file (which the walk up then finds): look further up.
      if ((code === "ENOENT" || code === "ENOTDIR") && path.dirname(at) !== at) continue;
      return `the folder ${folder} cannot be made: ${at} ${fsReason(err)}`;
    }
    const problem = await usableFolder(at, stats);
    return problem === undefined || at === folder ? problem : `the folder ${folder} cannot be made: ${problem}`;
  }
}

/** `dir`, which is there, is a folder this process can list and write in. */
async function usableFolder(dir: string, stats: Stats): Promise<string | undefined> {
  if (!stats.isDirectory()) return `${dir} is a file, not a folder`;
  try {
    await access(dir, constants.R_OK | constants.W_OK | constants.X_OK);
    return undefined;
  } catch (err) {
    return `the folder ${dir} ${fsReason(err)}`;
  }
}
