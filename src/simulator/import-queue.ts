import type { PackageApi } from "./package-api.ts";
import { schedule, simulatedEntityErrors, statusAt, type EntityErrorFiles, type ExecutionTimings, type PackageExecution, type PackageOutcomeStatus } from "./package-executions.ts";
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
  /**
   * Error files of the execution, per entity; default for a failing status: an error key and a staging error
   * for the enqueue's `entity` (none without one).
   */
  entityErrors?: EntityErrorFiles[];
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
  enqueuedAt: number;
  outcome: ImportOutcomeStatus;
  /** The data management execution the message runs in, shared with the package API (package-api.ts). */
  execution: PackageExecution;
}

/**
 * The empty GUID GetExecutionIdByMessageId returns while no batch has picked the message up
 * (docs/platform-assumptions.md, "F&O API behaviour").
 */
export const EMPTY_GUID = "00000000-0000-0000-0000-000000000000";

/**
 * Import messages. Each enqueue creates the data management execution its batch will run, in the package API's
 * executions, so every execution action answers for it; the message's state follows that execution on the
 * simulated clock: `Enqueued` while it is `NotRun` (waiting for the batch), `Processing` while it is
 * `Executing`, then the message's outcome. Nothing runs in the background.
 */
export class ImportLedger {
  readonly #messages = new Map<string, ImportMessage>();
  readonly #timings: ExecutionTimings;
  readonly #outcomes: ImportOutcomeRule[];
  readonly #executions: Pick<PackageApi, "addRecurringImport">;

  constructor(options: ImportOptions, executions: Pick<PackageApi, "addRecurringImport">) {
    this.#timings = { notRunMs: (options.pickupAfterSeconds ?? 2) * 1000, executingMs: (options.processingSeconds ?? 3) * 1000 };
    this.#outcomes = options.outcomes ?? [];
    this.#executions = executions;
  }

  enqueue(request: EnqueueRequest, now: number, random: SeededRandom): ImportMessage {
    const rule = this.#outcomes.find((candidate) => matches(candidate, request));
    const outcome = rule?.status ?? "Processed";
    const messageId = random.guid();
    const entities = request.entity === undefined ? [] : [request.entity];
    const failing = outcome !== "Processed";
    const execution: PackageExecution = {
      executionId: random.guid(),
      direction: "import",
      definitionGroupId: "",
      legalEntityId: request.company ?? "",
      ...schedule(now, this.#timings),
      outcome: summaryStatusOf(outcome),
      errors: rule?.errors ?? (failing ? [defaultError(outcome, request)] : []),
      entities,
      entityErrors: rule?.entityErrors ?? (failing ? simulatedEntityErrors(entities, { staging: true }) : []),
      packageBlob: undefined,
      packageSha256: request.sha256,
      packageSize: request.size,
      errorKeysFiles: new Map(),
      message: { activityId: request.activityId, messageId },
    };
    const message: ImportMessage = { ...request, messageId, enqueuedAt: now, outcome, execution };
    this.#messages.set(messageId, message);
    this.#executions.addRecurringImport(execution);
    return message;
  }

  /** GetMessageStatus; `Unknown` for a message ID the simulator never issued (UNCONFIRMED on F&O). */
  messageStatus(messageId: string, now: number): string {
    const message = this.#messages.get(messageId.toLowerCase());
    return message ? this.statusOf(message, now) : "Unknown";
  }

  /** GetExecutionIdByMessageId: the execution's ID once the batch has picked the message up. */
  executionIdOf(messageId: string, now: number): string {
    const message = this.#messages.get(messageId.toLowerCase());
    return message && this.statusOf(message, now) !== "Enqueued" ? message.execution.executionId : EMPTY_GUID;
  }

  messages(activityId: string): ImportMessage[] {
    return [...this.#messages.values()].filter((message) => message.activityId === activityId);
  }

  statusOf(message: ImportMessage, now: number): string {
    const status = statusAt(message.execution, now);
    if (status === "NotRun") return "Enqueued";
    return status === "Executing" ? "Processing" : message.outcome;
  }
}

/**
 * The execution's final DMFExecutionSummaryStatus for a message's final state; UNCONFIRMED
 * (docs/platform-assumptions.md, "Data management package API").
 */
function summaryStatusOf(outcome: ImportOutcomeStatus): PackageOutcomeStatus {
  if (outcome === "Processed") return "Succeeded";
  return outcome === "ProcessedWithErrors" ? "PartiallySucceeded" : "Failed";
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
