import type { SeededRandom } from "./random.ts";

/**
 * Final message states the simulator can be told to reach. Both spellings of the post-processing error
 * exist in the sources (`PostProcessingFailed` in the docs' table, `PostProcessingError` in RIS's enum,
 * docs/platform-assumptions.md, "F&O API behaviour"), so a scenario can exercise a client on either.
 */
export type ImportOutcomeStatus =
  | "Processed"
  | "ProcessedWithErrors"
  | "PreProcessingError"
  | "PostProcessingError"
  | "PostProcessingFailed";

/**
 * One entry of GetExecutionErrors. The shape comes from a third-party description (UNCONFIRMED;
 * docs/platform-assumptions.md, "F&O API behaviour"): the action returns these as a JSON-encoded string.
 */
export interface ExecutionError {
  RecordId: string;
  Field: string;
  ErrorMessage: string;
}

/** Which enqueued messages end in a given state; the first rule that matches wins, default `Processed`. */
export interface ImportOutcomeRule {
  activityId?: string;
  /** Compared case-insensitively with the `entity` query parameter. */
  entity?: string;
  /** Compared case-insensitively with the `company` query parameter. */
  company?: string;
  status: ImportOutcomeStatus;
  /** What GetExecutionErrors reports; default: one generic error for a failing status, none otherwise. */
  errors?: ExecutionError[];
}

export interface ImportOptions {
  /** Seconds a message stays `Enqueued` before the batch job picks it up. Default 2. */
  pickupAfterSeconds?: number;
  /** Seconds it then stays `Processing`. Default 3. */
  processingSeconds?: number;
  outcomes?: ImportOutcomeRule[];
}

export interface EnqueueRequest {
  activityId: string;
  entity: string | undefined;
  company: string | undefined;
  externalIdentifier: string | undefined;
  contentType: string | undefined;
  size: number;
  sha256: string;
}

export interface ImportMessage extends EnqueueRequest {
  messageId: string;
  executionId: string;
  enqueuedAt: number;
  outcome: ImportOutcomeStatus;
  errors: ExecutionError[];
}

/**
 * The empty GUID GetExecutionIdByMessageId returns while no batch has picked the message up
 * (docs/platform-assumptions.md, "F&O API behaviour").
 */
export const EMPTY_GUID = "00000000-0000-0000-0000-000000000000";

/**
 * Import messages and their progress. Nothing runs in the background: a message's state is a function
 * of its enqueue time and the simulated clock (`Enqueued` → `Processing` → its outcome).
 */
export class ImportLedger {
  readonly #messages = new Map<string, ImportMessage>();
  readonly #byExecutionId = new Map<string, ImportMessage>();
  readonly #pickupAfterMs: number;
  readonly #processingMs: number;
  readonly #outcomes: ImportOutcomeRule[];

  constructor(options: ImportOptions) {
    this.#pickupAfterMs = (options.pickupAfterSeconds ?? 2) * 1000;
    this.#processingMs = (options.processingSeconds ?? 3) * 1000;
    this.#outcomes = options.outcomes ?? [];
  }

  enqueue(request: EnqueueRequest, now: number, random: SeededRandom): ImportMessage {
    const rule = this.#outcomes.find((candidate) => matches(candidate, request));
    const outcome = rule?.status ?? "Processed";
    const message: ImportMessage = {
      ...request,
      messageId: random.guid(),
      executionId: random.guid(),
      enqueuedAt: now,
      outcome,
      errors: rule?.errors ?? (outcome === "Processed" ? [] : [defaultError(outcome, request)]),
    };
    this.#messages.set(message.messageId, message);
    this.#byExecutionId.set(message.executionId, message);
    return message;
  }

  /** GetMessageStatus; `Unknown` for a message ID the simulator never issued (UNCONFIRMED on F&O). */
  messageStatus(messageId: string, now: number): string {
    const message = this.#messages.get(messageId.toLowerCase());
    return message ? this.#status(message, now) : "Unknown";
  }

  executionIdOf(messageId: string, now: number): string {
    const message = this.#messages.get(messageId.toLowerCase());
    return message && this.#status(message, now) !== "Enqueued" ? message.executionId : EMPTY_GUID;
  }

  /** GetExecutionSummaryStatus, in DMFExecutionSummaryStatus terms; undefined when no picked-up message has the ID. */
  summaryStatus(executionId: string, now: number): string | undefined {
    const message = this.#pickedUp(executionId, now);
    if (!message) return undefined;
    const status = this.#status(message, now);
    if (status === "Processing") return "Executing";
    if (status === "Processed") return "Succeeded";
    return status === "ProcessedWithErrors" ? "PartiallySucceeded" : "Failed";
  }

  /** GetExecutionErrors: the errors as a JSON string, reported once processing has finished; undefined when no picked-up message has the ID. */
  executionErrors(executionId: string, now: number): string | undefined {
    const message = this.#pickedUp(executionId, now);
    if (!message) return undefined;
    return JSON.stringify(this.#status(message, now) === message.outcome ? message.errors : []);
  }

  messages(activityId: string): ImportMessage[] {
    return [...this.#messages.values()].filter((message) => message.activityId === activityId);
  }

  statusOf(message: ImportMessage, now: number): string {
    return this.#status(message, now);
  }

  #status(message: ImportMessage, now: number): string {
    const age = now - message.enqueuedAt;
    if (age < this.#pickupAfterMs) return "Enqueued";
    if (age < this.#pickupAfterMs + this.#processingMs) return "Processing";
    return message.outcome;
  }

  /** The execution behind an ID, once it exists from the client's point of view. */
  #pickedUp(executionId: string, now: number): ImportMessage | undefined {
    const message = this.#byExecutionId.get(executionId.toLowerCase());
    return message && this.#status(message, now) !== "Enqueued" ? message : undefined;
  }
}

function matches(rule: ImportOutcomeRule, request: EnqueueRequest): boolean {
  const same = (expected: string | undefined, actual: string | undefined) =>
    expected === undefined || expected.toLowerCase() === (actual ?? "").toLowerCase();
  return same(rule.activityId, request.activityId) && same(rule.entity, request.entity) && same(rule.company, request.company);
}

function defaultError(outcome: ImportOutcomeStatus, request: EnqueueRequest): ExecutionError {
  const entity = request.entity ?? "the package";
  return { RecordId: "", Field: "", ErrorMessage: `Simulated ${outcome} while importing ${entity}.` };
}
