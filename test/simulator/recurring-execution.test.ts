/**
 * The execution behind an enqueued message (GetExecutionIdByMessageId, fno-api.md §1.5) is an ordinary data
 * management execution: every action that takes an execution ID answers for it (fno-api.md §2), consistently with
 * the message's status.
 */
import { describe, expect, it } from "vitest";
import { defaultIds, startSimulator, type ImportOptions, type Simulator } from "../../src/simulator/index.ts";
import { START, action, call, innerMessage, invoke, start, token } from "./support.ts";

const activity = defaultIds.importActivityId;
const EMPTY_GUID = "00000000-0000-0000-0000-000000000000";
const groupErrors = [{ RecordId: "2", Field: "CUSTGROUPID", ErrorMessage: "Customer group 30 already exists." }];

/** A simulator whose imports are picked up after 1 s and processed in 1 s, and a token for it. */
async function rig(options: ImportOptions = {}): Promise<{ simulator: Simulator; bearer: string }> {
  const simulator = await start({ import: { pickupAfterSeconds: 1, processingSeconds: 1, ...options }, packageApi: { errorKeysFileSeconds: 2 } });
  return { simulator, bearer: await token(simulator) };
}

async function enqueue(simulator: Simulator, bearer: string, query = "?entity=Customer%20groups&company=USMF"): Promise<string> {
  const response = await call(simulator, bearer, `/api/connector/enqueue/${activity}${query}`, { body: "CUSTGROUPID,DESCRIPTION\r\n30,Intercompany\r\n" });
  expect(response.status).toBe(200);
  return (await response.json()) as string;
}

/** Enqueues, waits for the pickup and returns the execution ID GetExecutionIdByMessageId gives. */
async function pickedUp(simulator: Simulator, bearer: string, query?: string): Promise<{ messageId: string; executionId: string }> {
  const messageId = await enqueue(simulator, bearer, query);
  simulator.clock.advance(1000);
  const executionId = (await action(simulator, bearer, "GetExecutionIdByMessageId", { _messageId: messageId })) as string;
  expect(executionId).not.toBe(EMPTY_GUID);
  return { messageId, executionId };
}

async function text(url: string): Promise<string> {
  const response = await fetch(url);
  expect(response.status).toBe(200);
  return response.text();
}

describe("an enqueued message's execution answers every execution action", () => {
  it("ProcessedWithErrors: PartiallySucceeded, the rule's errors, error keys and staging errors of the enqueue's entity, the summary page", async () => {
    const { simulator, bearer } = await rig({ outcomes: [{ entity: "Customer groups", status: "ProcessedWithErrors", errors: groupErrors }] });
    const { executionId } = await pickedUp(simulator, bearer);
    const byEntity = (entityName: string) => ({ executionId, entityName });
    simulator.clock.advance(1000);
    expect(await action(simulator, bearer, "GetExecutionSummaryStatus", { executionId })).toBe("PartiallySucceeded");
    expect(JSON.parse((await action(simulator, bearer, "GetExecutionErrors", { executionId })) as string)).toEqual(groupErrors);

    expect(await action(simulator, bearer, "GenerateImportTargetErrorKeysFile", byEntity("Customer groups"), "Edm.Boolean")).toBe(true);
    expect(await action(simulator, bearer, "GetImportTargetErrorKeysFileUrl", byEntity("Customer groups"))).toBe("");
    simulator.clock.advance(2000);
    const keysUrl = (await action(simulator, bearer, "GetImportTargetErrorKeysFileUrl", byEntity("CUSTOMER GROUPS"))) as string;
    expect(new URL(keysUrl).origin).toBe(simulator.connection.blobUrl);
    expect(await text(keysUrl)).toBe("KEY\r\nSIM-0001\r\n");
    const stagingUrl = (await action(simulator, bearer, "GetImportStagingErrorFileUrl", byEntity("Customer groups"))) as string;
    expect(await text(stagingUrl)).toBe("KEY,ERROR\r\nSIM-0001,Simulated staging error.\r\n");
    // Only the enqueue's entity has error files.
    expect(await action(simulator, bearer, "GenerateImportTargetErrorKeysFile", byEntity("Vendors V2"), "Edm.Boolean")).toBe(false);
    expect(await action(simulator, bearer, "GetImportStagingErrorFileUrl", byEntity("Vendors V2"))).toBe("");

    const page = new URL((await action(simulator, bearer, "GetExecutionSummaryPageUrl", { executionId })) as string);
    expect(page.origin).toBe(new URL(simulator.url).origin);
    expect(Object.fromEntries(page.searchParams)).toEqual({ cmp: "USMF", mi: "DMFExecutionSummary", executionId });
    expect(await action(simulator, bearer, "GetExportedPackageUrl", { executionId })).toBe("");
  });

  it.each([
    ["Processed", "Succeeded"],
    ["ProcessedWithErrors", "PartiallySucceeded"],
    ["PreProcessingError", "Failed"],
    ["PostProcessingError", "Failed"],
    ["PostProcessingFailed", "Failed"],
  ] as const)("%s: GetExecutionSummaryStatus %s once the message has it, Executing while it is Processing", async (status, summary) => {
    const { simulator, bearer } = await rig({ outcomes: [{ status }] });
    const { messageId, executionId } = await pickedUp(simulator, bearer);
    expect(await action(simulator, bearer, "GetMessageStatus", { messageId })).toBe("Processing");
    expect(await action(simulator, bearer, "GetExecutionSummaryStatus", { executionId })).toBe("Executing");
    simulator.clock.advance(1000);
    expect(await action(simulator, bearer, "GetMessageStatus", { messageId })).toBe(status);
    expect(await action(simulator, bearer, "GetExecutionSummaryStatus", { executionId })).toBe(summary);
    const failing = status !== "Processed";
    expect(await action(simulator, bearer, "GenerateImportTargetErrorKeysFile", { executionId, entityName: "Customer groups" }, "Edm.Boolean")).toBe(failing);
    expect(await action(simulator, bearer, "GetImportStagingErrorFileUrl", { executionId, entityName: "Customer groups" }) !== "").toBe(failing);
  });

  it("has no errors nor error files while processing; the summary page already answers", async () => {
    const { simulator, bearer } = await rig({ outcomes: [{ status: "ProcessedWithErrors", errors: groupErrors }] });
    const { executionId } = await pickedUp(simulator, bearer);
    expect(await action(simulator, bearer, "GetExecutionErrors", { executionId })).toBe("[]");
    expect(await action(simulator, bearer, "GenerateImportTargetErrorKeysFile", { executionId, entityName: "Customer groups" }, "Edm.Boolean")).toBe(false);
    expect(await action(simulator, bearer, "GetImportStagingErrorFileUrl", { executionId, entityName: "Customer groups" })).toBe("");
    expect(await action(simulator, bearer, "GetExecutionSummaryPageUrl", { executionId })).toContain(executionId);
  });

  it("serves a rule's own error files; an enqueue without entity or company has none, and a page link without a company", async () => {
    const entityErrors = [{ entity: "Customer groups", errorKeys: ["CUSTGROUPID", "30"], stagingErrors: ["CUSTGROUPID,ERROR", "30,duplicate"] }];
    const { simulator, bearer } = await rig({ outcomes: [{ entity: "Customer groups", status: "ProcessedWithErrors", entityErrors }, { status: "ProcessedWithErrors" }] });
    const named = await pickedUp(simulator, bearer);
    const bare = await pickedUp(simulator, bearer, "");
    simulator.clock.advance(1000);
    expect(await action(simulator, bearer, "GenerateImportTargetErrorKeysFile", { executionId: named.executionId, entityName: "Customer groups" }, "Edm.Boolean")).toBe(true);
    simulator.clock.advance(2000);
    expect(await text((await action(simulator, bearer, "GetImportTargetErrorKeysFileUrl", { executionId: named.executionId, entityName: "Customer groups" })) as string)).toBe("CUSTGROUPID\r\n30\r\n");
    expect(await text((await action(simulator, bearer, "GetImportStagingErrorFileUrl", { executionId: named.executionId, entityName: "Customer groups" })) as string)).toBe("CUSTGROUPID,ERROR\r\n30,duplicate\r\n");

    expect(await action(simulator, bearer, "GetExecutionSummaryStatus", { executionId: bare.executionId })).toBe("PartiallySucceeded");
    expect(await action(simulator, bearer, "GenerateImportTargetErrorKeysFile", { executionId: bare.executionId, entityName: "Customer groups" }, "Edm.Boolean")).toBe(false);
    const page = new URL((await action(simulator, bearer, "GetExecutionSummaryPageUrl", { executionId: bare.executionId })) as string);
    expect(page.searchParams.has("cmp")).toBe(false);
  });

  it("is listed among the executions, NotRun while its message is Enqueued, with the message's hash and size", async () => {
    const { simulator, bearer } = await rig();
    const messageId = await enqueue(simulator, bearer);
    const [message] = simulator.importMessages(activity);
    const [execution] = simulator.packageExecutions();
    expect(execution).toEqual({
      executionId: expect.stringMatching(/^[0-9a-f-]{36}$/),
      direction: "import",
      definitionGroupId: "",
      legalEntityId: "USMF",
      status: "NotRun",
      startedAt: new Date(START).toISOString(),
      entities: ["Customer groups"],
      packageBlob: null,
      packageSha256: message!.sha256,
      packageSize: message!.size,
      activityId: activity,
      messageId,
    });
    simulator.clock.advance(1000);
    expect(simulator.importMessages(activity)[0]!.executionId).toBe(execution!.executionId);
    expect(simulator.packageExecutions()[0]!.status).toBe("Executing");
  });

  it("still answers 500 'Execution details were not found' on every execution action for an ID nothing issued", async () => {
    const { simulator, bearer } = await rig();
    await pickedUp(simulator, bearer);
    const unknown = "5acd8121-d4e1-4cf8-b31f-9713de3e3627";
    for (const [name, body] of [
      ["GetExecutionSummaryStatus", { executionId: unknown }],
      ["GetExecutionErrors", { executionId: unknown }],
      ["GenerateImportTargetErrorKeysFile", { executionId: unknown, entityName: "Customer groups" }],
      ["GetImportTargetErrorKeysFileUrl", { executionId: unknown, entityName: "Customer groups" }],
      ["GetImportStagingErrorFileUrl", { executionId: unknown, entityName: "Customer groups" }],
      ["GetExecutionSummaryPageUrl", { executionId: unknown }],
    ] as const) {
      const answer = await invoke(simulator, bearer, name, body);
      expect(answer.status, name).toBe(500);
      expect(innerMessage(answer.body), name).toContain(`Execution details were not found for execution id: ${unknown}`);
    }
  });
});

describe("import outcome rules' entityErrors", () => {
  it("are checked against the schema like the package API's, pointing at the offending value", async () => {
    await expect(startSimulator({ import: { outcomes: [{ status: "ProcessedWithErrors", entityErrors: [{ entity: "" }] }] } })).rejects.toThrow(
      /\/import\/outcomes\/0\/entityErrors\/0\/entity/,
    );
    await expect(startSimulator({ import: { outcomes: [{ status: "ProcessedWithErrors", entityErrors: [{ entity: "E", keys: [] } as never] }] } })).rejects.toThrow(
      /\/import\/outcomes\/0\/entityErrors\/0\/keys: is not a known property/,
    );
  });
});
