/**
 * Message and execution statuses. The documented values and the Recurring Integrations Scheduler's enum
 * disagree on spelling (PostProcessingFailed / PostProcessingError, Preprocessing / PreProcessing), so
 * comparisons are case-insensitive and both spellings count (docs/platform-assumptions.md, "Import: enqueue and status").
 */

export type StatusPhase = "pending" | "succeeded" | "failed" | "unknown";

const messagePhases: Record<string, StatusPhase> = {
  enqueued: "pending",
  dequeued: "pending",
  downloaded: "pending",
  acked: "pending",
  preprocessing: "pending",
  processing: "pending",
  inprocess: "pending",
  processed: "succeeded",
  processedwitherrors: "failed",
  preprocessingerror: "failed",
  preprocesserror: "failed",
  postprocessingfailed: "failed",
  postprocessingerror: "failed",
  postprocesserror: "failed",
};

/** Where a GetMessageStatus value stands; anything not recognised is `unknown`, never terminal by accident. */
export function messageStatusPhase(status: string): StatusPhase {
  return messagePhases[status.toLowerCase()] ?? "unknown";
}

/** The value F&O returns for an execution ID before the batch job has picked the message up. */
export const emptyGuid = "00000000-0000-0000-0000-000000000000";

/**
 * Where a data management execution stands (GetExecutionSummaryStatus, the DMFExecutionSummaryStatus values):
 * `running` (NotRun, Executing), `succeeded`, `partial` (PartiallySucceeded: some records failed), `failed`
 * (Failed, Canceled, and Unknown, which RIS's export and execution monitor also treat as an error), or
 * `unrecognised` for a value outside the documented set, which callers keep polling rather than take as final.
 */
export type ExecutionPhase = "running" | "succeeded" | "partial" | "failed" | "unrecognised";

const executionPhases: Record<string, ExecutionPhase> = {
  notrun: "running",
  executing: "running",
  succeeded: "succeeded",
  partiallysucceeded: "partial",
  failed: "failed",
  canceled: "failed",
  cancelled: "failed",
  unknown: "failed",
};

export function executionStatusPhase(status: string): ExecutionPhase {
  return executionPhases[status.trim().toLowerCase()] ?? "unrecognised";
}
