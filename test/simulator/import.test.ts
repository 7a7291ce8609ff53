import { describe, expect, it } from "vitest";
import { defaultIds, type Simulator } from "../../src/simulator/index.ts";
import { START, actionPath, call, sha256, start, token } from "./support.ts";

const activity = defaultIds.importActivityId;
const EMPTY_GUID = "00000000-0000-0000-0000-000000000000";

async function enqueue(simulator: Simulator, bearer: string, body: string, query = "?entity=Customer%20groups&company=USMF"): Promise<string> {
  const response = await call(simulator, bearer, `/api/connector/enqueue/${activity}${query}`, { body });
  expect(response.status).toBe(200);
  const text = await response.text();
  // A JSON string literal, quotes included (fno-api.md §1.1).
  expect(text).toMatch(/^"[0-9a-f-]{36}"$/);
  return JSON.parse(text) as string;
}

async function action(simulator: Simulator, bearer: string, name: string, body: Record<string, string>): Promise<unknown> {
  const response = await call(simulator, bearer, actionPath(name), { json: body, headers: { accept: "application/json", "odata-version": "4.0", "odata-maxversion": "4.0" } });
  expect(response.status).toBe(200);
  expect(response.headers.get("odata-version")).toBe("4.0");
  const envelope = (await response.json()) as { "@odata.context": string; value: unknown };
  expect(envelope["@odata.context"]).toBe(`${simulator.url}/data/$metadata#Edm.String`);
  return envelope.value;
}

describe("enqueue (fno-api.md §1.1)", () => {
  it("records the body, entity, company and external identifier of each message", async () => {
    const simulator = await start();
    const body = "GROUP,DESCRIPTION\r\n10,Retail\r\n";
    const response = await call(simulator, await token(simulator), `/api/connector/enqueue/%7B${activity.toUpperCase()}%7D?entity=Customer%20groups&company=USMF`, {
      body,
      headers: { "x-ms-dyn-externalidentifier": "groups.csv", "content-type": "text/csv" },
    });
    const messageId = (await response.json()) as string;
    expect(simulator.importMessages(activity)).toEqual([
      {
        messageId,
        executionId: EMPTY_GUID,
        status: "Enqueued",
        entity: "Customer groups",
        company: "USMF",
        externalIdentifier: "groups.csv",
        contentType: "text/csv",
        size: Buffer.byteLength(body),
        sha256: sha256(Buffer.from(body)),
        enqueuedAt: new Date(START).toISOString(),
      },
    ]);
    expect(simulator.counters().enqueued).toBe(1);
  });

  it("answers 413 for a body over the configured limit, 400 for an empty one", async () => {
    const simulator = await start({ maxEnqueueBytes: 1000 });
    const bearer = await token(simulator);
    const tooLarge = await call(simulator, bearer, `/api/connector/enqueue/${activity}`, { body: "x".repeat(1001) });
    expect(tooLarge.status).toBe(413);
    expect(((await tooLarge.json()) as { error: { innererror: { message: string } } }).error.innererror.message).toContain("1000 bytes");
    expect((await call(simulator, bearer, `/api/connector/enqueue/${activity}`, { body: "x".repeat(1000) })).status).toBe(200);
    expect((await call(simulator, bearer, `/api/connector/enqueue/${activity}`, { body: "" })).status).toBe(400);
  });

  it("answers 500 for an activity that is not an import job", async () => {
    const simulator = await start();
    const response = await call(simulator, await token(simulator), `/api/connector/enqueue/${defaultIds.exportActivityId}`, { body: "x" });
    expect(response.status).toBe(500);
  });
});

describe("message status over simulated time (fno-api.md §1.5, §2)", () => {
  it("moves Enqueued → Processing → Processed; the execution ID appears at pickup", async () => {
    const simulator = await start({ import: { pickupAfterSeconds: 2, processingSeconds: 3 } });
    const bearer = await token(simulator);
    const messageId = await enqueue(simulator, bearer, "a,b\r\n");

    expect(await action(simulator, bearer, "GetMessageStatus", { messageId })).toBe("Enqueued");
    expect(await action(simulator, bearer, "GetExecutionIdByMessageId", { _messageId: messageId })).toBe(EMPTY_GUID);

    simulator.clock.advance(2_000);
    expect(await action(simulator, bearer, "GetMessageStatus", { messageId })).toBe("Processing");
    const executionId = (await action(simulator, bearer, "GetExecutionIdByMessageId", { _messageId: messageId })) as string;
    expect(executionId).not.toBe(EMPTY_GUID);
    expect(await action(simulator, bearer, "GetExecutionSummaryStatus", { executionId })).toBe("Executing");

    simulator.clock.advance(3_000);
    expect(await action(simulator, bearer, "GetMessageStatus", { messageId })).toBe("Processed");
    expect(await action(simulator, bearer, "GetExecutionSummaryStatus", { executionId })).toBe("Succeeded");
    expect(await action(simulator, bearer, "GetExecutionErrors", { executionId })).toBe("[]");
  });

  it.each([
    ["ProcessedWithErrors", "PartiallySucceeded"],
    ["PostProcessingError", "Failed"],
    ["PostProcessingFailed", "Failed"],
  ] as const)("ends in %s (summary %s) for a configured failure, with errors as a JSON string", async (status, summary) => {
    const errors = [{ RecordId: "479625", Field: "CUSTGROUP", ErrorMessage: "Value 'X' is not valid." }];
    const simulator = await start({ import: { pickupAfterSeconds: 1, processingSeconds: 1, outcomes: [{ entity: "customer GROUPS", status, errors }] } });
    const bearer = await token(simulator);
    const failing = await enqueue(simulator, bearer, "x");
    const other = await enqueue(simulator, bearer, "x", "?entity=Vendors");
    simulator.clock.advance(2_000);

    expect(await action(simulator, bearer, "GetMessageStatus", { messageId: failing })).toBe(status);
    expect(await action(simulator, bearer, "GetMessageStatus", { messageId: other })).toBe("Processed");
    const executionId = (await action(simulator, bearer, "GetExecutionIdByMessageId", { _messageId: failing })) as string;
    expect(await action(simulator, bearer, "GetExecutionSummaryStatus", { executionId })).toBe(summary);
    const value = await action(simulator, bearer, "GetExecutionErrors", { executionId });
    expect(typeof value).toBe("string");
    expect(JSON.parse(value as string)).toEqual(errors);
  });

  it("reports Unknown for message IDs it never issued, and F&O's 500 for execution IDs (RIS issue #71)", async () => {
    const simulator = await start();
    const bearer = await token(simulator);
    expect(await action(simulator, bearer, "GetMessageStatus", { messageId: "5acd8121-d4e1-4cf8-b31f-9713de3e3627" })).toBe("Unknown");
    expect(await action(simulator, bearer, "GetExecutionIdByMessageId", { _messageId: "nope" })).toBe(EMPTY_GUID);
    const response = await call(simulator, bearer, actionPath("GetExecutionSummaryStatus"), { json: { executionId: "nope" } });
    expect(response.status).toBe(500);
    expect(((await response.json()) as { error: { innererror: { message: string } } }).error.innererror.message).toContain(
      "Execution details were not found for execution id: nope",
    );
  });
});

describe("OData request rules on the actions", () => {
  const cases: [string, { body?: string; headers: Record<string, string> }, number, string][] = [
    ["a body that is not JSON", { body: "messageId=x", headers: { "content-type": "application/x-www-form-urlencoded" } }, 415, "application/json"],
    ["JSON in another charset", { body: "{}", headers: { "content-type": "application/json; charset=utf-16" } }, 415, "UTF-8"],
    ["an Accept without JSON", { body: '{"messageId":"x"}', headers: { "content-type": "application/json", accept: "application/xml" } }, 406, "application/xml"],
    ["OData-Version 3.0", { body: '{"messageId":"x"}', headers: { "content-type": "application/json", "odata-version": "3.0" } }, 400, "OData-Version '3.0'"],
    ["OData-MaxVersion 3.0", { body: '{"messageId":"x"}', headers: { "content-type": "application/json", "odata-maxversion": "3.0" } }, 400, "OData-MaxVersion '3.0'"],
    ["a parameter of another action", { body: '{"_messageId":"x"}', headers: { "content-type": "application/json" } }, 400, "'_messageId'"],
    ["a missing parameter", { body: "{}", headers: { "content-type": "application/json" } }, 400, "'messageId' is missing"],
    ["malformed JSON", { body: "{", headers: { "content-type": "application/json" } }, 400, "not valid JSON"],
  ];

  it.each(cases)("refuses %s", async (_case, request, status, text) => {
    const simulator = await start();
    const response = await call(simulator, await token(simulator), actionPath("GetMessageStatus"), request);
    expect(response.status).toBe(status);
    expect(((await response.json()) as { error: { innererror: { message: string } } }).error.innererror.message).toContain(text);
  });

  it("accepts JSON with OData parameters, */* and a q-list", async () => {
    const simulator = await start();
    const response = await call(simulator, await token(simulator), actionPath("GetMessageStatus"), {
      body: '{"messageId":"x"}',
      headers: { "content-type": "application/json; odata.metadata=minimal", accept: "text/html;q=0.9, */*;q=0.1" },
    });
    expect(response.status).toBe(200);
  });

  it("answers 404 for an unknown action and 405 for GET", async () => {
    const simulator = await start();
    const bearer = await token(simulator);
    expect((await call(simulator, bearer, actionPath("GetMessageStatusX"), { json: {} })).status).toBe(404);
    const get = await call(simulator, bearer, actionPath("GetMessageStatus"));
    expect(get.status).toBe(405);
    expect(get.headers.get("allow")).toBe("POST");
  });
});
