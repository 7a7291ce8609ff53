import type { ExportBody } from "./export-package.ts";
import type { SeededRandom } from "./random.ts";

/** One message of a recurring export job: a package waiting to be dequeued, downloaded and acked. */
export interface ExportMessage {
  correlationId: string;
  blobId: string;
  /** Undefined for a message whose file is missing (`IsDownLoadFileExist: false`). */
  body: ExportBody | undefined;
  /** Bytes a download serves, and their SHA-256 (hex); 0 and "" when the file is missing. */
  size: number;
  sha256: string;
  /** Shown as `FileDownLoadErrorMessage` when the file is missing. */
  fileErrorMessage: string;
  /** Simulated time from which a dequeue may hand the message out (again). */
  visibleAt: number;
  popReceipt: string | undefined;
  lastDequeuedAt: number | undefined;
  dequeueCount: number;
  ackedAt: number | undefined;
}

export type AckResult = "acked" | "repeated" | "stale" | "unknown";

/**
 * The export queue of one activity. It behaves like the Azure storage queue the API appears to sit on
 * (docs/platform-assumptions.md, "F&O API behaviour"): a dequeue hides the message for the visibility
 * timeout and hands out a fresh pop receipt; only an ack with the latest pop receipt removes it; an
 * un-acked message comes back.
 */
export class ExportQueue {
  /** Un-acked messages in the order they were queued; a redelivered message keeps its place. */
  readonly #pending: ExportMessage[] = [];
  readonly #byCorrelationId = new Map<string, ExportMessage>();

  readonly #visibilityTimeoutMs: number;

  constructor(visibilityTimeoutMs: number) {
    this.#visibilityTimeoutMs = visibilityTimeoutMs;
  }

  add(message: ExportMessage): void {
    this.#pending.push(message);
    this.#byCorrelationId.set(message.correlationId, message);
  }

  /** The first visible message, now hidden and with a new pop receipt; undefined when none is visible. */
  dequeue(now: number, random: SeededRandom): { message: ExportMessage; previousDequeue: number | undefined } | undefined {
    const message = this.#pending.find((candidate) => candidate.visibleAt <= now);
    if (!message) return undefined;
    const previousDequeue = message.lastDequeuedAt;
    message.popReceipt = random.bytes(20).toString("base64");
    message.lastDequeuedAt = now;
    message.dequeueCount++;
    message.visibleAt = now + this.#visibilityTimeoutMs;
    return { message, previousDequeue };
  }

  /**
   * Removes the message if the pop receipt is the one handed out last. Acking an already removed message
   * with that same receipt answers "repeated", so a client whose ack response was lost can retry safely.
   */
  ack(correlationId: string, popReceipt: string, now: number): AckResult {
    const message = this.#byCorrelationId.get(correlationId);
    if (!message || message.popReceipt === undefined) return "unknown";
    if (message.popReceipt !== popReceipt) return "stale";
    if (message.ackedAt !== undefined) return "repeated";
    message.ackedAt = now;
    this.#pending.splice(this.#pending.indexOf(message), 1);
    return "acked";
  }

  find(correlationId: string): ExportMessage | undefined {
    return this.#byCorrelationId.get(correlationId);
  }

  /** Every message ever queued, acked ones included, in queue order of arrival. */
  messages(): ExportMessage[] {
    return [...this.#byCorrelationId.values()];
  }
}
