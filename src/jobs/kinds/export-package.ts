import { mkdir, readdir, rm } from "node:fs/promises";
import path from "node:path";
import { errorCodes, ToolError } from "../../errors/index.ts";
import { exportPackage, type ExportPackageOptions, type ExportPackageResult, type ExportStep } from "../../workflows/package-export.ts";
import { ExecutionFailedError, executionExists, fileSafe, newExecutionId } from "../../workflows/package-poll.ts";
import type { JobContext, JobKind, JobOutcome } from "../kind.ts";
import { exists } from "./upload-folder.ts";
import { dataProjectJobSchema, isRemoteFailure, messageOf } from "./common.ts";

export interface ExportPackageSettings {
  folder: string;
  /** The export data project in F&O. */
  definitionGroupId: string;
  legalEntityId?: string;
  /** Also unzip each package into `<folder>/<name>/`. */
  extract?: boolean;
}

export interface ExportHooks {
  /** Called synchronously as each export passes each step (a crash test kills the process there). Undefined in production. */
  onStep?: (step: ExportStep["type"]) => void;
}

/** The export this job started and has not stored yet: recorded before ExportToPackage is sent, cleared once it is settled. */
export interface ExportPackageState {
  following?: { executionId: string; startedAt: string };
}

export const exportPackageKind: JobKind<ExportPackageSettings, ExportPackageState> = {
  kind: "export-package",
  settingsSchema: dataProjectJobSchema({ extract: { type: "boolean" } }),
  folderUse: "output",
  initialState: () => ({}),
  run: (context, settings) => runExportPackage(context, settings),
};

/**
 * One run: `export-package` into the job's folder, as `<execution ID>.zip` (unique per export, so nothing is ever
 * overwritten). The package gets its name only once it is whole, flushed and checked; a download a crash cut short
 * leaves `<name>.zip.partial`, removed by the next run.
 *
 * The execution ID is chosen here and recorded in the job's state before ExportToPackage is sent, so an export that
 * was still running when polling gave up, that a transient failure or a stop interrupted, or that a crash cut off, is
 * picked up by the next run: it follows that execution to its package (RIS users' "stuck Executing" and "exported
 * files missing") before it starts a new export. Only when F&O has no such execution (the request never arrived), or
 * the export ended in failure, does the next run export afresh.
 */
export async function runExportPackage(context: JobContext<ExportPackageState>, settings: ExportPackageSettings, hooks: ExportHooks = {}): Promise<JobOutcome> {
  const folder = path.resolve(settings.folder);
  try {
    await mkdir(folder, { recursive: true });
    for (const name of (await readdir(folder)).filter((n) => n.endsWith(".zip.partial"))) await rm(path.join(folder, name), { force: true });
  } catch (err) {
    throw new ToolError(errorCodes.unreadable, `the job's folder ${folder} cannot be used: ${messageOf(err)}`, { cause: err });
  }
  const options = {
    client: context.client,
    definitionGroupId: settings.definitionGroupId,
    legalEntityId: settings.legalEntityId,
    outDir: folder,
    extract: settings.extract,
    signal: context.signal,
    onStep: (step: ExportStep) => hooks.onStep?.(step.type),
  };
  const counts = { exported: 0, partial: 0 };
  try {
    const earlier = context.state.get().following;
    if (earlier !== undefined) await resume(context, folder, options, earlier.executionId, counts);
    const executionId = newExecutionId(settings.definitionGroupId, context.now());
    await context.state.update({ following: { executionId, startedAt: new Date(context.now()).toISOString() } });
    await stored(context, await exportPackage({ ...options, executionId }), counts);
    return { counts, unfinished: 0 };
  } catch (err) {
    if (context.signal.aborted) return { counts: { ...counts, interrupted: 1 }, unfinished: 1 };
    if (!isRemoteFailure(err)) throw err;
    if (err instanceof ExecutionFailedError) {
      // F&O ran the export and it failed: nothing to follow any more.
      await context.state.update({});
      context.log({ level: "error", message: `no package this run, the next run exports again: ${messageOf(err)}`, executionId: err.executionId });
    } else {
      const following = context.state.get().following;
      context.log({
        level: "warn",
        message: following ? `no package this run, the next run follows export ${following.executionId} again: ${messageOf(err)}` : `no package this run: ${messageOf(err)}`,
        ...(following ? { executionId: following.executionId } : {}),
      });
    }
    return { counts: { ...counts, failed: 1 }, unfinished: 1 };
  }
}

/**
 * Follows the export an earlier run started and did not store, to its package. Nothing to follow when its package is
 * on disk already (stored by a run that stopped before clearing its state) or when F&O has no such execution (its
 * ExportToPackage never arrived).
 */
async function resume(context: JobContext<ExportPackageState>, folder: string, options: Omit<ExportPackageOptions, "executionId">, executionId: string, counts: Counts): Promise<void> {
  if (await exists(path.join(folder, `${fileSafe(executionId)}.zip`))) {
    await context.state.update({});
    return;
  }
  if (!(await executionExists(context.client, executionId, options.signal ? { signal: options.signal } : {}))) {
    context.log({ level: "warn", message: `export ${executionId} of an earlier run never started in F&O`, executionId });
    await context.state.update({});
    return;
  }
  context.log({ level: "info", message: `following export ${executionId}, started by an earlier run`, executionId });
  await stored(context, await exportPackage({ ...options, executionId, alreadyStarted: true }), counts);
}

interface Counts {
  /** Packages this run stored. */
  exported: number;
  /** Of those, exports that ended PartiallySucceeded. */
  partial: number;
}

/** The package is on disk under its name: the export is done with. */
async function stored(context: JobContext<ExportPackageState>, result: ExportPackageResult, counts: Counts): Promise<void> {
  await context.state.update({});
  counts.exported++;
  if (result.status.toLowerCase() === "partiallysucceeded") counts.partial++;
  context.log({
    level: "info",
    message: `export ${result.executionId} ${result.status}: ${path.basename(result.file)} (${result.bytes} bytes, SHA-256 ${result.sha256})`,
    executionId: result.executionId,
    file: result.file,
  });
}
