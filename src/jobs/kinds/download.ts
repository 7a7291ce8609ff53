import path from "node:path";
import { syncExports, type SyncStep } from "../../workflows/export-sync.ts";
import type { JobContext, JobKind, JobOutcome } from "../kind.ts";
import { activityIdSchema, folderSchema, isRemoteFailure, messageOf, noState, type NoState } from "./common.ts";

export interface DownloadSettings {
  activityId: string;
  folder: string;
  /** Also unzip each package into `<folder>/<CorrelationId>/`. */
  extract?: boolean;
  /** Messages worked on at once; default: sync's (16). */
  concurrency?: number;
}

export interface DownloadHooks {
  /** Passed to sync: called as each message passes each step of store-then-acknowledge (a crash test kills the process there). */
  onStep?: (step: SyncStep, correlationId: string) => void;
}

export const downloadKind: JobKind<DownloadSettings, NoState> = {
  kind: "download",
  settingsSchema: {
    type: "object",
    required: ["activityId", "folder"],
    additionalProperties: false,
    properties: {
      activityId: activityIdSchema,
      folder: folderSchema,
      extract: { type: "boolean" },
      concurrency: { type: "integer", minimum: 1, maximum: 64 },
    },
  },
  folderUse: "output",
  initialState: noState,
  run: (context, settings) => runDownload(context, settings),
};

/**
 * One download run: `sync` into the job's folder, unchanged. Sync's journal (in `<folder>/.fno-sync`) is the
 * durable state that makes a rerun after a crash finish without losing or writing a package twice, and its lock
 * keeps a second process out of the folder; this job's own state file holds nothing more.
 *
 * A message sync could not finish (a download or acknowledgement the transport gave up on) stays in F&O's queue
 * and comes back after its visibility timeout: counted as unfinished. So is the rest of the queue when sync stops
 * early on a failure of the queue itself (a dequeue the transport gave up on) or on the signal.
 */
export async function runDownload(context: JobContext<NoState>, settings: DownloadSettings, hooks: DownloadHooks = {}): Promise<JobOutcome> {
  try {
    const summary = await syncExports({
      client: context.client,
      activityId: settings.activityId,
      outDir: path.resolve(settings.folder),
      signal: context.signal,
      ...(settings.extract !== undefined ? { extract: settings.extract } : {}),
      ...(settings.concurrency !== undefined ? { concurrency: settings.concurrency } : {}),
      ...(hooks.onStep ? { onStep: hooks.onStep } : {}),
      onEvent: (event) => {
        if (event.type === "problem") {
          context.log({ level: "warn", message: `message ${event.correlationId}: ${event.stage} failed, left for a later run (${event.error})`, correlationId: event.correlationId });
        }
      },
    });
    return {
      counts: { stored: summary.stored, duplicates: summary.duplicates, acknowledged: summary.acknowledged, recovered: summary.recovered, problems: summary.problems.length },
      unfinished: summary.unfinished,
    };
  } catch (err) {
    if (context.signal.aborted) return { counts: { interrupted: 1 }, unfinished: 1 };
    if (!isRemoteFailure(err)) throw err;
    context.log({ level: "warn", message: `the export queue could not be drained, left for the next run (${messageOf(err)})` });
    return { counts: { failed: 1 }, unfinished: 1 };
  }
}
