import { mkdir, readdir, rm } from "node:fs/promises";
import path from "node:path";
import { errorCodes, ToolError } from "../../errors/index.ts";
import { exportPackage } from "../../workflows/package-export.ts";
import { ExecutionFailedError } from "../../workflows/package-poll.ts";
import type { JobContext, JobKind, JobOutcome } from "../kind.ts";
import { folderSchema, isRemoteFailure, messageOf, noState, type NoState } from "./common.ts";

export interface ExportPackageSettings {
  folder: string;
  /** The export data project in F&O. */
  definitionGroupId: string;
  legalEntityId?: string;
  /** Also unzip each package into `<folder>/<name>/`. */
  extract?: boolean;
}

export const exportPackageKind: JobKind<ExportPackageSettings, NoState> = {
  kind: "export-package",
  settingsSchema: {
    type: "object",
    required: ["folder", "definitionGroupId"],
    additionalProperties: false,
    properties: {
      folder: folderSchema,
      definitionGroupId: { type: "string", minLength: 1 },
      legalEntityId: { type: "string", minLength: 1 },
      extract: { type: "boolean" },
    },
  },
  initialState: noState,
  run: runExportPackage,
};

/**
 * One run: `export-package` into the job's folder, as `<execution ID>.zip` (unique per run, so nothing is ever
 * overwritten). The package gets its name only once it is whole, flushed and checked; a download a crash cut short
 * leaves `<name>.zip.partial`, removed by the next run. An export that F&O ran and failed, or that was still running
 * when polling gave up, or that a transient failure interrupted, is left for the next run, which exports afresh.
 */
export async function runExportPackage(context: JobContext<NoState>, settings: ExportPackageSettings): Promise<JobOutcome> {
  const folder = path.resolve(settings.folder);
  try {
    await mkdir(folder, { recursive: true });
    for (const name of (await readdir(folder)).filter((n) => n.endsWith(".zip.partial"))) await rm(path.join(folder, name), { force: true });
  } catch (err) {
    throw new ToolError(errorCodes.unreadable, `the job's folder ${folder} cannot be used: ${messageOf(err)}`, { cause: err });
  }
  try {
    const result = await exportPackage({
      client: context.client,
      definitionGroupId: settings.definitionGroupId,
      legalEntityId: settings.legalEntityId,
      outDir: folder,
      extract: settings.extract,
      signal: context.signal,
    });
    context.log({
      level: "info",
      message: `export ${result.executionId} ${result.status}: ${path.basename(result.file)} (${result.bytes} bytes, SHA-256 ${result.sha256})`,
      executionId: result.executionId,
      file: result.file,
    });
    return { counts: { exported: 1, partial: result.status.toLowerCase() === "partiallysucceeded" ? 1 : 0 }, unfinished: 0 };
  } catch (err) {
    if (context.signal.aborted) return { counts: { interrupted: 1 }, unfinished: 1 };
    // ExecutionFailedError and PollGaveUpError are remote failures too (FNO_INCOMPLETE).
    const failed = err instanceof ExecutionFailedError;
    if (!isRemoteFailure(err)) throw err;
    context.log({ level: failed ? "error" : "warn", message: `no package this run, the next run exports again: ${messageOf(err)}` });
    return { counts: { failed: 1 }, unfinished: 1 };
  }
}
