import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import nock from "nock";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FnoClient, FnoError } from "../../src/client/index.ts";
import { compileConnector } from "../../src/compile/index.ts";
import { placeholderConfig } from "../../src/compile/config.ts";
import { ResponseError } from "../../src/gateway/index.ts";
import { gatewayOperations } from "./gateway-operations.ts";
import { repoRoot } from "../support/shared.ts";
import { capturingFetch, clientOperations, fixedCredential, type SeenRequest } from "./client-operations.ts";
import { environmentUrl, recordedPackage, scenarios, type Scenario } from "./scenarios.ts";
import { checkZip } from "../../src/workflows/package-store.ts";

const recordings = path.join(repoRoot, "test", "recordings");

beforeAll(() => {
  nock.back.fixtures = recordings;
  // Replay only: a request that no recording answers fails instead of reaching a network.
  nock.back.setMode("lockdown");
});
afterAll(() => {
  nock.restore();
});

/** Runs a scenario against its recording and returns the outcome and every request sent. */
export async function replay(scenario: Scenario, run: (fetch: (r: Request) => Promise<Response>) => Promise<unknown>) {
  const seen: SeenRequest[] = [];
  const { nockDone, context } = await nock.back(`${scenario.recording}.json`);
  try {
    const outcome = await run(capturingFetch(seen)).then(
      (output) => ({ ok: true as const, output }),
      (error: unknown) => ({ ok: false as const, error }),
    );
    return { outcome, seen, allUsed: context.scopes.every((scope) => scope.isDone()) };
  } finally {
    nockDone();
    nock.cleanAll();
  }
}

const noWait = async () => undefined;

// The gateway runs the package compiled from connector/ in memory: the same bytes `npm run build` writes.
const { connector } = compileConnector(path.join(repoRoot, "connector"), placeholderConfig);
const throughClient = (fetch: (r: Request) => Promise<Response>) =>
  clientOperations(new FnoClient({ environmentUrl, credential: fixedCredential, fetch, sleep: noWait }));
const throughGateway = (fetch: (r: Request) => Promise<Response>) =>
  gatewayOperations(connector, { environmentUrl, token: "recorded-token" }, fetch);

/** Status and F&O text of a failure, whichever runner raised it. */
function failureOf(error: unknown): { status: number | undefined; text: string } {
  if (error instanceof FnoError) return { status: error.status, text: error.message };
  if (error instanceof ResponseError) return { status: error.status, text: `${error.message} ${error.odata?.innerMessage ?? ""} ${typeof error.body === "string" ? error.body : ""}` };
  throw error;
}

describe("recorded responses through the typed client", () => {
  for (const scenario of scenarios) {
    it(scenario.name, async () => {
      const { outcome, seen, allUsed } = await replay(scenario, (fetch) =>
        scenario.run(clientOperations(new FnoClient({ environmentUrl, credential: fixedCredential, fetch, sleep: noWait }))),
      );
      expect(seen.length).toBeGreaterThan(0);
      for (const request of seen) expect(request.headers.authorization).toBe("Bearer recorded-token");
      if (scenario.failure) {
        expect(outcome.ok).toBe(false);
        const error = (outcome as { error: unknown }).error;
        expect(error).toBeInstanceOf(FnoError);
        expect((error as FnoError).status).toBe(scenario.failure.status);
        if (scenario.failure.text) expect((error as FnoError).message).toContain(scenario.failure.text);
        expect((error as FnoError).hint).toBeTruthy();
      } else {
        expect(outcome).toEqual({ ok: true, output: scenario.expected });
      }
      expect(allUsed).toBe(true);
    });
  }

  it("429: waits Retry-After before the second attempt", async () => {
    const waits: number[] = [];
    const scenario: Scenario = { name: "429", recording: "error-429", run: async () => undefined };
    const { outcome, seen } = await replay(scenario, async (fetch) => {
      let clock = Date.parse("2026-11-21T09:00:00Z");
      const client = new FnoClient({
        environmentUrl,
        credential: fixedCredential,
        fetch,
        now: () => clock,
        sleep: async (ms) => {
          waits.push(ms);
          clock += ms;
        },
      });
      return client.dequeue("6d31e09f-0249-459f-94f0-4d1c3d1c1a10");
    });
    expect(outcome).toEqual({ ok: true, output: { kind: "empty" } });
    expect(seen).toHaveLength(2);
    expect(waits).toEqual([2002]); // Retry-After plus the timer margin
  });

  it("the recorded package is a real zip", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), "fno-recorded-"));
    const file = path.join(dir, "package.zip");
    writeFileSync(file, recordedPackage());
    expect(await checkZip(file)).toBe(3);
  });
});

describe("the same scenarios through the compiled connector (gateway)", () => {
  for (const scenario of scenarios) {
    it(scenario.name, async () => {
      const viaClient = await replay(scenario, (fetch) => scenario.run(throughClient(fetch)));
      const viaGateway = await replay(scenario, (fetch) => scenario.run(throughGateway(fetch)));
      expect(viaGateway.seen).toEqual(viaClient.seen);
      if (scenario.failure) {
        expect(viaGateway.outcome.ok).toBe(false);
        const failure = failureOf((viaGateway.outcome as { error: unknown }).error);
        expect(failure.status).toBe(scenario.failure.status);
        if (scenario.failure.text) expect(failure.text).toContain(scenario.failure.text);
      } else {
        // The gateway checked the recorded body against the connector's declared schema on the way.
        expect(viaGateway.outcome).toEqual({ ok: true, output: scenario.expected });
        expect(viaGateway.allUsed).toBe(true);
      }
    });
  }
});

describe("recordings", () => {
  const files = readdirSync(recordings).filter((f) => f.endsWith(".json") && f !== "sources.json");
  const sources = JSON.parse(readFileSync(path.join(recordings, "sources.json"), "utf8")) as Record<string, string>;

  it("each says where its shape comes from", () => {
    for (const file of files) expect(sources[file], file).toMatch(/fno-api\.md §/);
  });

  it("each is used by a scenario", () => {
    const used = new Set([...scenarios.map((s) => `${s.recording}.json`), "error-429.json"]);
    expect(files.filter((f) => !used.has(f))).toEqual([]);
  });
});
