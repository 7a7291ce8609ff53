import { createHash } from "node:crypto";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FnoClient, FnoError, LoopbackClientSecretCredential } from "../../src/client/index.ts";
import { scopeFor } from "../../src/client/auth.ts";
import { compileConnector } from "../../src/compile/index.ts";
import { placeholderConfig } from "../../src/compile/config.ts";
import { ResponseError } from "../../src/gateway/index.ts";
import { defaultIds, startSimulator, type Simulator } from "../../src/simulator/index.ts";
import { repoRoot } from "../support/shared.ts";
import { clientOperations } from "./client-operations.ts";
import { gatewayOperations } from "./gateway-operations.ts";
import type { Operations } from "./scenarios.ts";

/**
 * The recorded scenarios' steps against the simulator instead of recordings: the client and the compiled
 * connector must agree on every output and failure, and both must match what the simulator served.
 */
const exportId = defaultIds.exportActivityId;
const importId = defaultIds.importActivityId;
const { connector } = compileConnector(path.join(repoRoot, "connector"), placeholderConfig);

let sim: Simulator;
let runners: { name: string; ops: Operations }[];
beforeAll(async () => {
  sim = await startSimulator({
    seed: 4,
    maxEnqueueBytes: 1024,
    activities: [
      { id: exportId, direction: "export", messages: [{ kind: "package", dataBytes: 4096, count: 2 }] },
      { id: importId, direction: "import" },
    ],
    import: { pickupAfterSeconds: 0, processingSeconds: 0, outcomes: [{ entity: "Bad entity", status: "PostProcessingError" }] },
  });
  const c = sim.connection;
  const credential = new LoopbackClientSecretCredential(c.authorityHost, c.tenantId, c.clientId, c.clientSecret);
  const token = (await credential.getToken(scopeFor(c.environmentUrl))).token;
  const fetch = (request: Request) => globalThis.fetch(request);
  runners = [
    { name: "client", ops: clientOperations(new FnoClient({ environmentUrl: c.environmentUrl, credential, retry: { maxAttempts: 1 } })) },
    { name: "gateway", ops: gatewayOperations(connector, { environmentUrl: c.environmentUrl, token }, fetch) },
  ];
});
afterAll(() => sim?.close());

function statusOf(error: unknown): number | undefined {
  if (error instanceof FnoError || error instanceof ResponseError) return error.status;
  throw error;
}

describe("scenarios against the simulator, through the client and the compiled connector", () => {
  it("a message dequeued, its package downloaded with the served bytes, acknowledged; then the queue is empty", async () => {
    const served = new Map(sim.exportMessages(exportId).map((m) => [m.correlationId, m.sha256]));
    for (const { name, ops } of runners) {
      const message = await ops.dequeue(exportId);
      expect(message, name).not.toBeNull();
      expect(Object.keys(message!).sort()).toEqual(
        ["CorrelationId", "DownloadLocation", "FileDownLoadErrorMessage", "IsDownLoadFileExist", "LastDequeueDateTime", "PopReceipt"],
      );
      const bytes = await ops.download(String(message!.DownloadLocation));
      expect(createHash("sha256").update(bytes).digest("hex"), name).toBe(served.get(String(message!.CorrelationId)));
      await ops.acknowledge(exportId, message!);
    }
    for (const { name, ops } of runners) expect(await ops.dequeue(exportId), name).toBeNull();
    expect(sim.counters().acks).toBe(2);
  });

  it("a file enqueued and followed to its status, and why a failed one failed", async () => {
    for (const { name, ops } of runners) {
      const good = await ops.enqueue(importId, Buffer.from("A,B\r\n1,2\r\n"), { entity: "Customers V3", company: "USMF" });
      expect(good, name).toMatch(/^[0-9a-f-]{36}$/);
      expect(await ops.getMessageStatus(good), name).toBe("Processed");
      const bad = await ops.enqueue(importId, Buffer.from("x\r\n"), { entity: "Bad entity", company: "USMF" });
      expect(await ops.getMessageStatus(bad), name).toBe("PostProcessingError");
      const executionId = await ops.getExecutionIdByMessageId(bad);
      expect(await ops.getExecutionSummaryStatus(executionId), name).toBe("Failed");
      expect(JSON.parse(await ops.getExecutionErrors(executionId)), name).toEqual([expect.objectContaining({ ErrorMessage: expect.any(String) })]);
    }
  });

  it("the error statuses: unknown activity (500), payload too large (413), throttled (429)", async () => {
    for (const { name, ops } of runners) {
      expect(statusOf(await ops.dequeue("00000000-0000-0000-0000-000000000000").catch((e: unknown) => e)), name).toBe(500);
      expect(statusOf(await ops.enqueue(importId, Buffer.alloc(4096), {}).catch((e: unknown) => e)), name).toBe(413);
    }
    sim.setFaults({ rules: [{ kind: "status", endpoint: "dequeue", status: 429, retryAfter: 30, times: 2 }] });
    for (const { name, ops } of runners) expect(statusOf(await ops.dequeue(exportId).catch((e: unknown) => e)), name).toBe(429);
    sim.setFaults({});
  });
});
