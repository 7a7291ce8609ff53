import { describe, expect, it } from "vitest";
import { defaultIds, type Simulator } from "../../src/simulator/index.ts";
import { call, dequeuePath, start, token, type DequeuedMessage } from "./support.ts";

/** Everything a short run hands out that comes from the seed: IDs, receipts, tokens, hashes. */
async function run(simulator: Simulator): Promise<unknown[]> {
  const seeded = [
    await simulator.seedExport(defaultIds.exportActivityId, { kind: "package", dataBytes: 500 }),
    await simulator.seedExport(defaultIds.exportActivityId, { kind: "package", dataBytes: 500 }),
  ];
  const bearer = await token(simulator);
  const dequeued = (await (await call(simulator, bearer, dequeuePath(defaultIds.exportActivityId))).json()) as DequeuedMessage;
  const messageId = await (await call(simulator, bearer, `/api/connector/enqueue/${defaultIds.importActivityId}`, { body: "x" })).json();
  return [seeded.map(({ correlationId, blobId, sha256 }) => [correlationId, blobId, sha256]), bearer, dequeued.PopReceipt, messageId];
}

describe("determinism", () => {
  it("gives the same IDs, receipts, tokens and package bytes for the same seed, and others for another", async () => {
    const first = await run(await start({ seed: 11 }));
    const second = await run(await start({ seed: 11 }));
    const other = await run(await start({ seed: 12 }));
    expect(second).toEqual(first);
    first.forEach((value, index) => expect(other[index]).not.toEqual(value));
  });
});
