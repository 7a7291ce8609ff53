import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import path from "node:path";
import { repoRoot } from "../support/shared.ts";

/**
 * The recorded-response scenarios, written once against `Operations` so the same steps run through the
 * typed client and through the compiled connector (gateway), and later against the simulator.
 */

export const activityId = "6d31e09f-0249-459f-94f0-4d1c3d1c1a10";
export const environmentUrl = "https://contoso.operations.dynamics.com";

/** The connector's operations as both runners expose them, outputs in the connector's own shapes. */
export interface Operations {
  /** The dequeued message as F&O sent it, or null for an empty queue (204). */
  dequeue(activityId: string): Promise<Record<string, unknown> | null>;
  download(location: string): Promise<Buffer>;
  acknowledge(activityId: string, message: Record<string, unknown>): Promise<void>;
  enqueue(activityId: string, content: Buffer, options: { entity?: string; company?: string }): Promise<string>;
  getMessageStatus(messageId: string): Promise<string>;
  getExecutionIdByMessageId(messageId: string): Promise<string>;
  getExecutionSummaryStatus(executionId: string): Promise<string>;
  getExecutionErrors(executionId: string): Promise<string>;
}

/** What a failed call must report, whichever runner made it. */
export interface ExpectedFailure {
  status: number;
  /** Text (usually F&O's innererror.message) the error must carry. */
  text?: string;
}

export interface Scenario {
  name: string;
  /** File under test/recordings. */
  recording: string;
  run(ops: Operations): Promise<unknown>;
  /** The outputs the scenario must produce, when it succeeds. */
  expected?: unknown;
  failure?: ExpectedFailure;
}

export const message = {
  CorrelationId: "5acd8121-d4e1-4cf8-b31f-9713de3e3627",
  PopReceipt: "AgAAAAMAAAAAAAAA3XpSEQ0b1QE=",
  DownloadLocation: `${environmentUrl}/api/connector/download/%7B${activityId}%7D?correlation-id=5acd8121-d4e1-4cf8-b31f-9713de3e3627&blob=8c4f2bde-3f8b-4e7f-9a55-0c1d2e3f4a5b`,
  IsDownLoadFileExist: true,
  FileDownLoadErrorMessage: "",
  LastDequeueDateTime: null,
};

const csv = "CUSTGROUPID,DESCRIPTION\r\n30,Intercompany\r\n";
const executionId = "CustomerGroupsImport-2024-01-01_00-00-00-4f1c";
export const statuses = ["Enqueued", "Processing", "Processed", "ProcessedWithErrors", "PostProcessingFailed", "PostProcessingError"];

export const scenarios: Scenario[] = [
  { name: "a message dequeued", recording: "dequeue-message", run: (ops) => ops.dequeue(activityId), expected: message },
  { name: "queue empty (204)", recording: "dequeue-empty", run: (ops) => ops.dequeue(activityId), expected: null },
  {
    name: "package downloaded",
    recording: "download-package",
    // Exactly the recorded bytes must come out: the SHA-256 of the download against that of the recording.
    run: async (ops) => sha256(await ops.download(message.DownloadLocation)),
    expected: sha256(recordedPackage()),
  },
  { name: "acknowledged", recording: "acknowledge", run: async (ops) => ops.acknowledge(activityId, message), expected: undefined },
  {
    name: "file enqueued",
    recording: "enqueue",
    run: (ops) => ops.enqueue(activityId, Buffer.from(csv), { entity: "Customer groups", company: "USMF" }),
    expected: "84a383c8-336d-45e4-9933-0c3e8bfb734a",
  },
  {
    name: "message status values",
    recording: "message-status",
    run: async (ops) => {
      const seen: string[] = [];
      for (let i = 1; i <= statuses.length; i++) seen.push(await ops.getMessageStatus(`00000000-0000-0000-0000-00000000000${i}`));
      return seen;
    },
    expected: statuses,
  },
  {
    name: "why an import failed",
    recording: "import-errors",
    run: async (ops) => {
      const id = await ops.getExecutionIdByMessageId("84a383c8-336d-45e4-9933-0c3e8bfb734a");
      return { id, status: await ops.getExecutionSummaryStatus(id), errors: JSON.parse(await ops.getExecutionErrors(id)) as unknown };
    },
    expected: {
      id: executionId,
      status: "Failed",
      errors: [{ RecordId: "479625", Field: "CUSTGROUPID", ErrorMessage: "Customer group 30 cannot be created: the value is not unique." }],
    },
  },
  { name: "401 token refused", recording: "error-401", run: (ops) => ops.dequeue(activityId), failure: { status: 401 } },
  {
    name: "403 app not authorised",
    recording: "error-403",
    run: (ops) => ops.dequeue(activityId),
    failure: { status: 403, text: "Access denied: the application is not authorized for this recurring data job." },
  },
  {
    name: "404 unknown entity",
    recording: "error-404",
    run: (ops) => ops.enqueue(activityId, Buffer.from("x\r\n"), { entity: "No such entity", company: "USMF" }),
    failure: { status: 404, text: "Entity 'No such entity' was not found in the data project." },
  },
  {
    name: "413 payload too large",
    recording: "error-413",
    run: (ops) => ops.enqueue(activityId, Buffer.from("CUSTGROUPID,DESCRIPTION\r\n"), { entity: "Customer groups", company: "USMF" }),
    failure: { status: 413, text: "request entity is too large" },
  },
  {
    name: "500 with F&O innererror",
    recording: "error-500",
    run: (ops) => ops.dequeue("00000000-0000-0000-0000-000000000000"),
    failure: { status: 500, text: "Activity 00000000-0000-0000-0000-000000000000 was not found." },
  },
];

/** The zip bytes the download recording serves. */
export function recordedPackage(): Buffer {
  const file = path.join(repoRoot, "test", "recordings", "download-package.json");
  const [definition] = JSON.parse(readFileSync(file, "utf8")) as [{ response: string }];
  return Buffer.from(definition.response, "hex");
}

function sha256(bytes: Buffer): string {
  return createHash("sha256").update(bytes).digest("hex");
}
