import { openAsBlob } from "node:fs";
import path from "node:path";
import { emptyGuid, messageStatusPhase, sleep, type ExecutionErrors, type FnoClient, type StatusPhase } from "../client/index.ts";

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
}

/**
 * Uploads a file to an import job and, with `wait`, follows it to a terminal status with backoff. When it
 * ends in failure, the execution's errors are fetched (message ID → execution ID → errors) so the user
 * sees why without opening F&O.
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
  const errors = await client.getExecutionErrors(executionId, call);
  return { messageId, status, phase, timedOut: false, executionId, errors };
}
