import { openAsBlob } from "node:fs";
import path from "node:path";
import { emptyGuid, messageStatusPhase, sleep, type ExecutionErrors, type FnoClient, type StatusPhase } from "../client/index.ts";
import { writeErrorFiles, type ErrorFiles } from "./package-errors.ts";
import { readPackageManifest } from "./package-manifest.ts";

export interface ImportOptions {
  client: FnoClient;
  activityId: string;
  file: string;
  entity?: string;
  company?: string;
  /** Poll the status until it is terminal. */
  wait?: boolean;
  /** First poll delay; doubles up to maxPollMs. */
  firstPollMs?: number;
  maxPollMs?: number;
  /** Give up waiting (the message keeps processing in F&O) after this long. */
  timeoutMs?: number;
  signal?: AbortSignal;
  onStatus?: (status: string) => void;
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
}

export interface ImportResult {
  messageId: string;
  /** The last status seen; "Enqueued" when not waiting. */
  status: string;
  phase: StatusPhase;
  timedOut: boolean;
  executionId?: string;
  errors?: ExecutionErrors;
  /** Written beside the input file when the import failed (see package-errors.ts). */
  errorFiles?: ErrorFiles;
}

/**
 * Uploads a file to an import job and, with `wait`, follows it to a terminal status with backoff. When it
 * ends in failure, the message's execution is found (GetExecutionIdByMessageId) and its error files are written
 * beside the input, as import-package does: the execution errors, the error keys and staging errors of each
 * entity (`entity`, or those of the package's Manifest.xml), and the link to the summary page.
 */
export async function importFile(options: ImportOptions): Promise<ImportResult> {
  const { client, activityId, signal } = options;
  const wait = options.sleep ?? sleep;
  const content = await openAsBlob(options.file);
  const messageId = await client.enqueue(activityId, content, {
    externalIdentifier: path.basename(options.file),
    ...(options.entity !== undefined ? { entity: options.entity } : {}),
    ...(options.company !== undefined ? { company: options.company } : {}),
    ...(signal ? { signal } : {}),
  });
  if (!options.wait) return { messageId, status: "Enqueued", phase: "pending", timedOut: false };

  const call = signal ? { signal } : {};
  const deadline = Date.now() + (options.timeoutMs ?? 60 * 60_000);
  let delay = options.firstPollMs ?? 5_000;
  let status = "Enqueued";
  let phase: StatusPhase = "pending";
  for (;;) {
    status = await client.getMessageStatus(messageId, call);
    phase = messageStatusPhase(status);
    options.onStatus?.(status);
    if (phase === "succeeded" || phase === "failed") break;
    if (Date.now() + delay > deadline) return { messageId, status, phase, timedOut: true };
    await wait(delay, signal);
    delay = Math.min(delay * 2, options.maxPollMs ?? 60_000);
  }
  if (phase === "succeeded") return { messageId, status, phase, timedOut: false };

  const executionId = await client.getExecutionIdByMessageId(messageId, call);
  if (executionId === "" || executionId === emptyGuid) return { messageId, status, phase, timedOut: false };
  const errorFiles = await writeErrorFiles({ client, executionId, entities: await entitiesOf(options), beside: options.file, signal, clock: { now: Date.now, sleep: wait } });
  return { messageId, status, phase, timedOut: false, executionId, ...(errorFiles.errors ? { errors: errorFiles.errors } : {}), errorFiles };
}

/** The entities whose error files are fetched: the one named, else those of the package's manifest (none for a plain file). */
async function entitiesOf(options: ImportOptions): Promise<string[]> {
  if (options.entity !== undefined) return [options.entity];
  return readPackageManifest(options.file).then(
    (entities) => entities.map((e) => e.name),
    () => [],
  );
}
