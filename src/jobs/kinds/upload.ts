import { openAsBlob } from "node:fs";
import { FnoError, type RetryOptions } from "../../client/index.ts";
import { errorCode } from "../../client/transport.ts";
import type { JobContext, JobKind, JobOutcome } from "../kind.ts";
import { activityIdSchema, folderSchema, noState, type NoState } from "./common.ts";
import { folderSettingsSchema, runFolderSend, type Failure, type FolderSettings, type SendHooks, type Sender } from "./folder-send.ts";

export interface UploadSettings extends FolderSettings {
  activityId: string;
  /** The `entity` query parameter: the entity name as the data project shows it (omit for data package jobs). */
  entity?: string;
  /** The `company` query parameter (DataAreaId). */
  company?: string;
}

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
      ...folderSettingsSchema,
      concurrency: { type: "integer", minimum: 1, maximum: 16 },
    },
  },
  folderUse: "inbox",
  initialState: noState,
  run: (context, settings) => runUpload(context, settings),
};

/**
 * One upload run (see runFolderSend for what every folder-sending kind guarantees). Enqueue is not idempotent and
 * the API cannot look a message up by its external identifier, so a file a crash left in sending/ without its
 * status file may or may not be a message in F&O: it is never enqueued again, but goes to error/ as OutcomeUnknown
 * with how to check it in F&O. How a failed enqueue is settled: see classifyEnqueueFailure.
 */
export function runUpload(context: JobContext<NoState>, settings: UploadSettings, hooks: SendHooks = {}): Promise<JobOutcome> {
  const options = {
    ...(settings.entity !== undefined ? { entity: settings.entity } : {}),
    ...(settings.company !== undefined ? { company: settings.company } : {}),
  };
  const sender: Sender = {
    target: { activityId: settings.activityId, ...options },
    verb: "enqueued",
    // Without the abort signal: a shutdown lets a started enqueue finish, so its outcome is known.
    send: async (file, name) => ({
      messageId: await context.client.enqueue(settings.activityId, await openAsBlob(file), { externalIdentifier: name, ...options }),
      status: "Enqueued",
    }),
    settle: async (err) => classifyEnqueueFailure(err, context.client.retryPolicy),
    recover: async () => "unknown",
    howToCheck: (record, inbox) =>
      `It was not sent again, since a second enqueue would import it twice. Look in F&O for a message of the recurring data job ${record.activityId} ` +
      `(Manage scheduled data jobs) with the external identifier '${record.file}', sent at about ${record.sentAt}: if there is none, move this file back into ${inbox} to send it again.`,
  };
  return runFolderSend(context, settings, sender, hooks);
}

/**
 * Whether an enqueue that threw can have created a message. `refused`: certainly not, and the cause is the
 * environment or the job's settings, not the file (the file waits for the next run). `rejected`: certainly not,
 * and F&O's answer is about the request (the file goes to error/). `unknown`: the request may have been processed.
 */
export function classifyEnqueueFailure(err: unknown, policy: Pick<RetryOptions, "refusedStatuses" | "notConnectedCodes">): Exclude<Failure, "undecided"> {
  if (!(err instanceof FnoError)) return "unknown";
  const status = err.status;
  if (status === undefined) {
    // No answer: either nothing was sent (no token, no connection) or the exchange broke off after sending.
    if (err.stage === "token") return "refused";
    const code = errorCode(err.cause);
    return code !== undefined && policy.notConnectedCodes.includes(code) ? "refused" : "unknown";
  }
  if (policy.refusedStatuses.includes(status) || [401, 403, 404, 408].includes(status) || (status >= 300 && status < 400)) return "refused";
  if (status >= 400 && status < 500) return "rejected";
  return "unknown";
}

