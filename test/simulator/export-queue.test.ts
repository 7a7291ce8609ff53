import { describe, expect, it } from "vitest";
import { defaultIds } from "../../src/simulator/index.ts";
import { START, ackPath, call, dequeuePath, start, token, type DequeuedMessage } from "./support.ts";

const activity = defaultIds.exportActivityId;
const small = { kind: "package", dataBytes: 64 } as const;

describe("dequeue (fno-api.md §1.2)", () => {
  it("answers 204 with an empty body when nothing is visible", async () => {
    const simulator = await start();
    const response = await call(simulator, await token(simulator), dequeuePath(activity));
    expect(response.status).toBe(204);
    expect(await response.text()).toBe("");
  });

  it("hands out messages in order with exactly the documented fields", async () => {
    const simulator = await start();
    const first = await simulator.seedExport(activity, small);
    const second = await simulator.seedExport(activity, small);
    const bearer = await token(simulator);
    const got = (await (await call(simulator, bearer, dequeuePath(activity))).json()) as DequeuedMessage;
    expect(Object.keys(got)).toEqual([
      "CorrelationId",
      "PopReceipt",
      "DownloadLocation",
      "IsDownLoadFileExist",
      "FileDownLoadErrorMessage",
      "LastDequeueDateTime",
    ]);
    expect(got).toMatchObject({
      CorrelationId: first.correlationId,
      DownloadLocation: first.downloadLocation,
      IsDownLoadFileExist: true,
      FileDownLoadErrorMessage: "",
      LastDequeueDateTime: null,
    });
    expect(got.PopReceipt).toMatch(/^[A-Za-z0-9+/]{27}=$/);
    expect(got.DownloadLocation).toBe(
      `${simulator.url}/api/connector/download/%7B${activity.toUpperCase()}%7D?correlation-id=${first.correlationId}&blob=${first.blobId}`,
    );
    const next = (await (await call(simulator, bearer, dequeuePath(activity))).json()) as DequeuedMessage;
    expect(next.CorrelationId).toBe(second.correlationId);
    expect((await call(simulator, bearer, dequeuePath(activity))).status).toBe(204);
  });

  it.each([
    ["braces, percent-encoded", `%7B${activity.toUpperCase()}%7D`],
    ["braces", `{${activity}}`],
    ["upper case", activity.toUpperCase()],
  ])("accepts the activity ID with %s", async (_form, id) => {
    const simulator = await start();
    await simulator.seedExport(activity, small);
    expect((await call(simulator, await token(simulator), dequeuePath(id))).status).toBe(200);
  });

  it("answers 500 with an F&O error body for an activity ID that names no export job", async () => {
    const simulator = await start();
    const bearer = await token(simulator);
    for (const id of ["00000000-0000-0000-0000-000000000000", defaultIds.importActivityId]) {
      const response = await call(simulator, bearer, dequeuePath(id));
      expect(response.status).toBe(500);
      expect(await response.json()).toEqual({
        error: { code: "", message: "An error has occurred.", innererror: { message: `No recurring export job has the activity ID '${id}'.` } },
      });
    }
  });

  it("reports a message whose file is missing instead of a download location", async () => {
    const simulator = await start();
    await simulator.seedExport(activity, { kind: "missing-file", message: "Blob was deleted." });
    const got = (await (await call(simulator, await token(simulator), dequeuePath(activity))).json()) as DequeuedMessage;
    expect(got).toMatchObject({ DownloadLocation: null, IsDownLoadFileExist: false, FileDownLoadErrorMessage: "Blob was deleted." });
  });
});

describe("visibility timeout and redelivery (fno-api.md §1.4)", () => {
  it("brings an un-acked message back after 30 minutes by default, with LastDequeueDateTime", async () => {
    const simulator = await start();
    const seeded = await simulator.seedExport(activity, small);
    const bearer = await token(simulator);
    const first = (await (await call(simulator, bearer, dequeuePath(activity))).json()) as DequeuedMessage;

    simulator.clock.advance(30 * 60_000 - 1);
    expect((await call(simulator, bearer, dequeuePath(activity))).status).toBe(204);
    simulator.clock.advance(1);
    const again = (await (await call(simulator, bearer, dequeuePath(activity))).json()) as DequeuedMessage;

    expect(again.CorrelationId).toBe(seeded.correlationId);
    expect(again.PopReceipt).not.toBe(first.PopReceipt);
    expect(again.LastDequeueDateTime).toBe(new Date(START).toISOString());
    expect(simulator.counters().redeliveries).toBe(1);
    expect(simulator.exportMessages(activity)[0]).toMatchObject({ dequeueCount: 2, lastDequeuedAt: new Date(START + 30 * 60_000).toISOString() });
  });

  it("uses the configured visibility timeout", async () => {
    const simulator = await start({ visibilityTimeoutSeconds: 5 });
    await simulator.seedExport(activity, small);
    const bearer = await token(simulator);
    await call(simulator, bearer, dequeuePath(activity));
    simulator.clock.advance(5_000);
    expect((await call(simulator, bearer, dequeuePath(activity))).status).toBe(200);
  });
});

describe("ack (fno-api.md §1.4)", () => {
  it("removes the message when posted the dequeue body", async () => {
    const simulator = await start();
    await simulator.seedExport(activity, small);
    const bearer = await token(simulator);
    const got = (await (await call(simulator, bearer, dequeuePath(activity))).json()) as DequeuedMessage;
    const ack = await call(simulator, bearer, ackPath(activity), { json: got });
    expect(ack.status).toBe(200);
    expect(await ack.text()).toBe("");
    simulator.clock.advance(31 * 60_000);
    expect((await call(simulator, bearer, dequeuePath(activity))).status).toBe(204);
    expect(simulator.counters().acks).toBe(1);
    expect(simulator.exportMessages(activity)[0]!.ackedAt).toBe(new Date(START).toISOString());
  });

  it("accepts the subset RIS sends (CorrelationId, PopReceipt, DownloadLocation)", async () => {
    const simulator = await start();
    await simulator.seedExport(activity, small);
    const bearer = await token(simulator);
    const { CorrelationId, PopReceipt, DownloadLocation } = (await (await call(simulator, bearer, dequeuePath(activity))).json()) as DequeuedMessage;
    const ack = await call(simulator, bearer, ackPath(activity), {
      body: JSON.stringify({ CorrelationId, PopReceipt, DownloadLocation }),
      headers: { "content-type": "application/json; charset=utf-8" },
    });
    expect(ack.status).toBe(200);
  });

  it("refuses a stale pop receipt with 400 and keeps the message", async () => {
    const simulator = await start({ visibilityTimeoutSeconds: 10 });
    await simulator.seedExport(activity, small);
    const bearer = await token(simulator);
    const first = (await (await call(simulator, bearer, dequeuePath(activity))).json()) as DequeuedMessage;
    simulator.clock.advance(10_000);
    const second = (await (await call(simulator, bearer, dequeuePath(activity))).json()) as DequeuedMessage;

    const stale = await call(simulator, bearer, ackPath(activity), { json: first });
    expect(stale.status).toBe(400);
    expect(((await stale.json()) as { error: { innererror: { message: string } } }).error.innererror.message).toContain("not the one from its latest dequeue");
    expect(simulator.counters()).toMatchObject({ staleAcks: 1, acks: 0 });

    expect((await call(simulator, bearer, ackPath(activity), { json: second })).status).toBe(200);
  });

  it("answers a repeated ack with the latest receipt with 200, so a lost ack response can be retried", async () => {
    const simulator = await start();
    await simulator.seedExport(activity, small);
    const bearer = await token(simulator);
    const got = (await (await call(simulator, bearer, dequeuePath(activity))).json()) as DequeuedMessage;
    await call(simulator, bearer, ackPath(activity), { json: got });
    expect((await call(simulator, bearer, ackPath(activity), { json: got })).status).toBe(200);
    expect(simulator.counters()).toMatchObject({ acks: 1, repeatedAcks: 1 });
  });

  it.each([
    ["a correlation ID never dequeued", { CorrelationId: "5acd8121-d4e1-4cf8-b31f-9713de3e3627", PopReceipt: "x" }, 400],
    ["no PopReceipt", { CorrelationId: "5acd8121-d4e1-4cf8-b31f-9713de3e3627" }, 400],
  ])("answers %s with %i", async (_case, body, status) => {
    const simulator = await start();
    expect((await call(simulator, await token(simulator), ackPath(activity), { json: body })).status).toBe(status);
  });

  it("requires a JSON body (415 otherwise)", async () => {
    const simulator = await start();
    const response = await call(simulator, await token(simulator), ackPath(activity), { body: "CorrelationId=x", headers: { "content-type": "text/plain" } });
    expect(response.status).toBe(415);
  });

  it("answers 405 with Allow for the wrong method", async () => {
    const simulator = await start();
    const response = await call(simulator, await token(simulator), ackPath(activity));
    expect(response.status).toBe(405);
    expect(response.headers.get("allow")).toBe("POST");
  });
});
