import { existsSync, mkdirSync, readFileSync, utimesSync, writeFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import type { TokenCredential } from "@azure/core-auth";
import { defaultRetryOptions, emptyGuid, FnoClient, FnoError, type CallOptions, type EnqueueOptions } from "../../../src/client/index.ts";
import { noState, type NoState } from "../../../src/jobs/kinds/common.ts";
import { runMonitor, type ErrorsFile } from "../../../src/jobs/kinds/monitor.ts";
import { globMatcher } from "../../../src/jobs/kinds/folder-send.ts";
import { classifyEnqueueFailure, runUpload, type UploadSettings } from "../../../src/jobs/kinds/upload.ts";
import { candidateName, lockFolder, outcomeUnknown, rejected, uploadFolders, type UploadRecord } from "../../../src/jobs/kinds/upload-folder.ts";
import { defaultIds, type Simulator, type SimulatorOptions } from "../../../src/simulator/index.ts";
import { VirtualClock } from "../../support/virtual-clock.ts";
import { clientFor, clientOptions, dropFiles, jobContext, landed, leftOver, namesIn, quickRetry, sha256, tempDir, type TestContext } from "./support.ts";
import { simulatorsClosedAfterEach } from "../../support/simulators.ts";

const activity = defaultIds.importActivityId;
const groupErrors = [{ RecordId: "2", Field: "CUSTGROUPID", ErrorMessage: "Customer group 30 already exists." }];

const startSimulatorOnVirtualClock = simulatorsClosedAfterEach();

/** A simulator on a virtual clock that moves by itself whenever the test is idle; imports end by entity. */
async function simulator(options: SimulatorOptions = {}): Promise<{ sim: Simulator; clock: VirtualClock }> {
  const { sim, clock } = await startSimulatorOnVirtualClock({
    seed: 5,
    activities: [{ id: activity, direction: "import" }],
    import: {
      pickupAfterSeconds: 2,
      processingSeconds: 3,
      outcomes: [
        { entity: "Customer groups", status: "ProcessedWithErrors", errors: groupErrors },
        { entity: "Vendors V2", status: "PreProcessingError" },
        { entity: "Products V2", status: "PostProcessingError" },
        { entity: "Workers", status: "PostProcessingFailed" },
      ],
    },
    ...options,
  });
  return { sim, clock };
}

function context(sim: Simulator, clock: VirtualClock, folder: string, client?: FnoClient): TestContext<NoState> {
  return jobContext({ client: client ?? clientFor(sim.connection, clock), stateFile: path.join(folder, "..", `${path.basename(folder)}.state.json`), initial: noState(), now: () => clock.now() });
}

function settings(folder: string, extra: Partial<UploadSettings> = {}): UploadSettings {
  return { folder, activityId: activity, entity: "Customers V3", company: "USMF", ...extra };
}

/** Simulated seconds for every import to reach its final status (pickup 2 s + processing 3 s). */
const settle = (clock: VirtualClock) => clock.advance(6_000);

describe("upload job", () => {
  it("sends the inbox in name order, each file once with its name as the external identifier, into uploaded/ with a status file", async () => {
    const { sim, clock } = await simulator();
    const folder = path.join(tempDir("fno-upload-"), "in");
    const digests = dropFiles(folder, { "b.csv": "B,2\r\n", "a.csv": "A,1\r\n", "c.csv": "C,3\r\n" });
    const ctx = context(sim, clock, folder);
    const outcome = await runUpload(ctx, settings(folder));
    expect(outcome).toEqual({ counts: { uploaded: 3, rejected: 0, unknown: 0, deferred: 0, returned: 0, resumed: 0 }, unfinished: 0 });

    const messages = sim.importMessages(activity);
    expect(messages.map((m) => m.externalIdentifier)).toEqual(["a.csv", "b.csv", "c.csv"]);
    expect(messages.map((m) => [m.entity, m.company])).toEqual(Array(3).fill(["Customers V3", "USMF"]));
    expect(namesIn(path.join(folder, "uploaded"))).toEqual(["a.csv", "a.csv.status.json", "b.csv", "b.csv.status.json", "c.csv", "c.csv.status.json"]);
    expect(leftOver(folder).filter((n) => !n.startsWith("uploaded/"))).toEqual([]);
    for (const message of messages) {
      const name = message.externalIdentifier!;
      const record = JSON.parse(readFileSync(path.join(folder, "uploaded", `${name}.status.json`), "utf8")) as UploadRecord;
      expect(record).toMatchObject({
        record: "fno-upload-status/1",
        file: name,
        storedAs: name,
        job: "test-job",
        environment: "test-env",
        activityId: activity,
        entity: "Customers V3",
        company: "USMF",
        messageId: message.messageId,
        size: message.size,
        sha256: digests.get(name),
        status: "Enqueued",
      });
      expect(message.sha256).toBe(digests.get(name));
      expect(Date.parse(record.sentAt)).toBeLessThanOrEqual(Date.parse(record.enqueuedAt!));
      expect(sha256(readFileSync(path.join(folder, "uploaded", name)))).toBe(digests.get(name));
    }
    // Nothing left to send: a second run sends nothing.
    expect((await runUpload(ctx, settings(folder))).counts.uploaded).toBe(0);
    expect(sim.importMessages(activity)).toHaveLength(3);
  });

  it("orders by modification time or by size when asked, and sends only files matching the pattern (never hidden ones)", async () => {
    const { sim, clock } = await simulator();
    const byTime = path.join(tempDir("fno-upload-"), "time");
    dropFiles(byTime, { "x.csv": "1", "y.csv": "22", "z.csv": "333", ".hidden.csv": "h", "notes.txt": "n" });
    const base = Date.now() / 1000;
    utimesSync(path.join(byTime, "x.csv"), base, base - 10);
    utimesSync(path.join(byTime, "y.csv"), base, base - 30);
    utimesSync(path.join(byTime, "z.csv"), base, base - 20);
    await runUpload(context(sim, clock, byTime), settings(byTime, { order: "time", pattern: "*.CSV" }));
    expect(sim.importMessages(activity).map((m) => m.externalIdentifier)).toEqual(["y.csv", "z.csv", "x.csv"]);
    expect(namesIn(byTime).filter((n) => !["uploaded", "success", "error", ".fno-upload"].includes(n))).toEqual([".hidden.csv", "notes.txt"]);

    const bySize = path.join(tempDir("fno-upload-"), "size");
    dropFiles(bySize, { "a.csv": "333", "b.csv": "1", "c.csv": "22" });
    await runUpload(context(sim, clock, bySize), settings(bySize, { order: "size" }));
    expect(sim.importMessages(activity).slice(3).map((m) => m.externalIdentifier)).toEqual(["b.csv", "c.csv", "a.csv"]);
  });

  it("sends at most `concurrency` files at once", async () => {
    const { sim, clock } = await simulator({ faults: { rules: [{ kind: "latency", endpoint: "enqueue", ms: 50 }] } });
    const maxInFlight = async (concurrency: number) => {
      const folder = path.join(tempDir("fno-upload-"), "in");
      dropFiles(folder, Object.fromEntries(Array.from({ length: 9 }, (_, i) => [`f${i}.csv`, `row ${i}\r\n`])));
      const client = new CountingClient(sim, clock);
      const outcome = await runUpload(context(sim, clock, folder, client), settings(folder, { concurrency }));
      expect(outcome.counts.uploaded).toBe(9);
      return client.max;
    };
    expect(await maxInFlight(1)).toBe(1);
    expect(await maxInFlight(3)).toBe(3);
  });

  it("a 429 that outlasts the transport's retries leaves the file in the inbox and stops the run; the next run sends it once", async () => {
    const { sim, clock } = await simulator({ faults: { rules: [{ kind: "status", status: 429, endpoint: "enqueue", retryAfter: 1 }] } });
    const folder = path.join(tempDir("fno-upload-"), "in");
    dropFiles(folder, { "a.csv": "A", "b.csv": "B" });
    const ctx = context(sim, clock, folder);
    const first = await runUpload(ctx, settings(folder));
    expect(first.counts).toMatchObject({ uploaded: 0, deferred: 2, unknown: 0, rejected: 0 });
    expect(first.unfinished).toBe(2);
    expect(leftOver(folder)).toEqual(["a.csv", "b.csv"]);
    expect(sim.counters().requests.enqueue).toBe(quickRetry.maxAttempts);
    expect(ctx.logs.some((l) => l.level === "warn" && /a\.csv left for the next run/.test(l.message))).toBe(true);

    sim.setFaults({});
    expect((await runUpload(ctx, settings(folder))).counts.uploaded).toBe(2);
    expect(sim.importMessages(activity).map((m) => m.externalIdentifier)).toEqual(["a.csv", "b.csv"]);
  });

  it("a file F&O refuses (413) goes to error/ as Rejected with F&O's answer, and the others are still sent", async () => {
    const { sim, clock } = await simulator({ maxEnqueueBytes: 100 });
    const folder = path.join(tempDir("fno-upload-"), "in");
    dropFiles(folder, { "a.csv": "A", "big.csv": "x".repeat(500), "c.csv": "C" });
    const outcome = await runUpload(context(sim, clock, folder), settings(folder));
    expect(outcome.counts).toMatchObject({ uploaded: 2, rejected: 1 });
    expect(outcome.unfinished).toBe(0);
    const [big] = landed(folder);
    expect(big).toMatchObject({ where: "error", record: { file: "big.csv", status: rejected, size: 500 }, dataSha256: sha256("x".repeat(500)) });
    expect(big!.record.problem).toMatch(/HTTP 413/);
    expect(big!.record.action).toMatch(/created nothing/);
    expect(sim.importMessages(activity).map((m) => m.externalIdentifier)).toEqual(["a.csv", "c.csv"]);
  });

  it("an answer that may follow a created message (500) makes the file's outcome unknown: error/, never sent again, and the run stops", async () => {
    const { sim, clock } = await simulator({ faults: { rules: [{ kind: "status", status: 500, endpoint: "enqueue", times: 1 }] } });
    const folder = path.join(tempDir("fno-upload-"), "in");
    dropFiles(folder, { "a.csv": "A", "b.csv": "B" });
    const ctx = context(sim, clock, folder);
    const first = await runUpload(ctx, settings(folder));
    expect(first.counts).toMatchObject({ uploaded: 0, unknown: 1, deferred: 1 });
    const [a] = landed(folder);
    expect(a).toMatchObject({ where: "error", record: { file: "a.csv", status: outcomeUnknown, activityId: activity }, dataSha256: sha256("A") });
    expect(a!.record.problem).toMatch(/HTTP 500/);
    expect(a!.record.action).toMatch(/not sent again.*external identifier 'a\.csv'.*move this file back into/s);
    expect(leftOver(folder)).toEqual(["b.csv"]);
    await runUpload(ctx, settings(folder));
    expect(sim.importMessages(activity).map((m) => m.externalIdentifier)).toEqual(["b.csv"]);
  });

  it("an upload run's sweep of temporary files leaves a monitor run's file between its write and its rename alone", async () => {
    // Upload and monitor runs of one folder run at once under their own locks (run --once starts both).
    const { sim, clock } = await simulator();
    const folder = path.join(tempDir("fno-upload-"), "in");
    dropFiles(folder, { "a.csv": "A" });
    const monitorWriting = path.join(uploadFolders(folder, "monitor").tmp, "in-flight.json");
    mkdirSync(path.dirname(monitorWriting), { recursive: true });
    writeFileSync(monitorWriting, "{}");
    const uploadLeftover = path.join(uploadFolders(folder, "upload").tmp, "left-by-a-crash.json");
    mkdirSync(path.dirname(uploadLeftover), { recursive: true });
    writeFileSync(uploadLeftover, "{}");
    expect((await runUpload(context(sim, clock, folder), settings(folder))).counts.uploaded).toBe(1);
    expect(existsSync(monitorWriting)).toBe(true);
    expect(existsSync(uploadLeftover)).toBe(false);
  });

  it("a second run on the same folder while one is running does nothing and names who holds the folder", async () => {
    const { sim, clock } = await simulator();
    const folder = path.join(tempDir("fno-upload-"), "in");
    dropFiles(folder, { "a.csv": "A", "b.csv": "B" });
    const folders = uploadFolders(folder, "upload");
    mkdirSync(folders.uploadLock, { recursive: true });
    const running = await lockFolder(folders.uploadLock, "upload", folders.inbox);
    try {
      await expect(runUpload(context(sim, clock, folder), settings(folder))).rejects.toThrow(`${folders.inbox} is in use by another upload run (process ${process.pid}); wait for it to finish`);
      expect(sim.importMessages(activity)).toEqual([]);
      expect(leftOver(folder)).toEqual(["a.csv", "b.csv"]);
    } finally {
      running.release();
    }
    expect((await runUpload(context(sim, clock, folder), settings(folder))).counts.uploaded).toBe(2);
  });

  it("a stop (SIGTERM) lets the file being sent finish and claims no more: the rest wait in the inbox", async () => {
    const { sim, clock } = await simulator({ faults: { rules: [{ kind: "latency", endpoint: "enqueue", ms: 100 }] } });
    const folder = path.join(tempDir("fno-upload-"), "in");
    dropFiles(folder, { "a.csv": "A", "b.csv": "B", "c.csv": "C" });
    const stop = new AbortController();
    const ctx = jobContext<NoState>({ client: clientFor(sim.connection, clock), stateFile: `${folder}.state.json`, initial: noState(), now: () => clock.now(), signal: stop.signal });
    const outcome = await uploadStoppingAtFirstSend(ctx, folder, () => stop.abort(new Error("SIGTERM")));
    expect(outcome).toEqual({ counts: { uploaded: 1, rejected: 0, unknown: 0, deferred: 2, returned: 0, resumed: 0 }, unfinished: 2 });
    expect(sim.importMessages(activity).map((m) => m.externalIdentifier)).toEqual(["a.csv"]);
    expect(leftOver(folder)).toEqual(["b.csv", "c.csv", "uploaded/a.csv", "uploaded/a.csv.status.json"]);
  });

  it("a folder that cannot be used stops the job with an error naming it", async () => {
    const { sim, clock } = await simulator();
    const file = path.join(tempDir("fno-upload-"), "not-a-folder");
    writeFileSync(file, "x");
    await expect(runUpload(context(sim, clock, file), settings(file))).rejects.toThrow(/the job's folder .*not-a-folder cannot be used/);
  });

  it("classifies enqueue failures by whether a message can exist", () => {
    const failure = (status: number | undefined, cause?: unknown) =>
      classifyEnqueueFailure(new FnoError({ operation: "Enqueue", method: "POST", url: "https://x/api", ...(status !== undefined ? { status } : {}), cause }), defaultRetryOptions);
    expect([429, 503, 401, 403, 404, 302].map((s) => failure(s))).toEqual(Array(6).fill("refused"));
    expect([400, 413, 415].map((s) => failure(s))).toEqual(Array(3).fill("rejected"));
    expect([500, 502, 504].map((s) => failure(s))).toEqual(Array(3).fill("unknown"));
    expect(failure(undefined, Object.assign(new Error("connect"), { code: "ECONNREFUSED" }))).toBe("refused");
    expect(failure(undefined, Object.assign(new Error("reset"), { code: "ECONNRESET" }))).toBe("unknown");
    expect(classifyEnqueueFailure(new FnoError({ operation: "Enqueue", method: "POST", url: "https://x", stage: "token", cause: new Error("down") }), defaultRetryOptions)).toBe("refused");
    expect(classifyEnqueueFailure(new Error("bug"), defaultRetryOptions)).toBe("unknown");
  });

  it("an enqueue that could not get a token is refused by its stage, not its wording: the file waits in the inbox", async () => {
    const { sim, clock } = await simulator();
    const folder = path.join(tempDir("fno-upload-"), "in");
    dropFiles(folder, { "a.csv": "A", "b.csv": "B" });
    const refusing: TokenCredential = {
      getToken: async () => {
        throw Object.assign(new Error("AADSTS7000215: Invalid client secret provided."), { statusCode: 401 });
      },
    };
    const noToken = new FnoClient({ ...clientOptions(sim.connection, clock), credential: refusing });
    const tokenFailure = await noToken.enqueue(activity, new Uint8Array([1])).catch((err: unknown) => err);
    expect(tokenFailure).toMatchObject({ name: "FnoError", stage: "token", status: undefined });
    const anyToken: TokenCredential = { getToken: async () => ({ token: "t", expiresOnTimestamp: clock.now() + 3_600_000 }) };
    const unreachable = new FnoClient({ ...clientOptions(sim.connection, clock), environmentUrl: "http://127.0.0.1:1", credential: anyToken, retry: { maxAttempts: 1 } });
    expect(await unreachable.enqueue(activity, new Uint8Array([1])).catch((err: unknown) => err)).toMatchObject({ name: "FnoError", stage: "request", status: undefined });

    const outcome = await runUpload(context(sim, clock, folder, noToken), settings(folder));
    expect(outcome).toMatchObject({ counts: { uploaded: 0, unknown: 0, deferred: 2, returned: 0 }, unfinished: 2 });
    expect(sim.importMessages(activity)).toEqual([]);
    expect(leftOver(folder)).toEqual(["a.csv", "b.csv"]);
  });

  it("matches names with * and ? only, case-insensitively", () => {
    expect(["a.csv", "A.CSV", "a.csv.bak", "ab.csv"].filter(globMatcher("?.csv"))).toEqual(["a.csv", "A.CSV"]);
    expect(globMatcher("orders-(1).*")("orders-(1).xml")).toBe(true);
    expect(candidateName("a.csv", 2)).toBe("a~2.csv");
    expect(candidateName("README", 3)).toBe("README~3");
  });
});

describe("monitor job", () => {
  it("moves each file to success/ or error/ once its message is final, with F&O's errors beside the failed ones", async () => {
    const { sim, clock } = await simulator();
    const root = tempDir("fno-monitor-");
    const entities = { ok: "Customers V3", groups: "Customer groups", vendors: "Vendors V2", products: "Products V2", workers: "Workers" };
    for (const [name, entity] of Object.entries(entities)) {
      const folder = path.join(root, name);
      dropFiles(folder, { [`${name}.csv`]: `${entity}\r\n` });
      await runUpload(context(sim, clock, folder), settings(folder, { entity }));
    }
    // Not final yet: nothing moves.
    for (const name of Object.keys(entities)) {
      const outcome = await runMonitor(context(sim, clock, path.join(root, name)), { folder: path.join(root, name) });
      expect(outcome.counts).toEqual({ succeeded: 0, failed: 0, pending: 1, deferred: 0 });
    }
    settle(clock);
    const finals: Record<string, string> = {};
    for (const name of Object.keys(entities)) {
      const folder = path.join(root, name);
      await runMonitor(context(sim, clock, folder), { folder });
      expect(leftOver(folder)).toEqual([]);
      const [only, ...rest] = landed(folder);
      expect(rest).toEqual([]);
      const message = sim.importMessages(activity).find((m) => m.externalIdentifier === `${name}.csv`)!;
      expect(only!.record).toMatchObject({ file: `${name}.csv`, messageId: message.messageId, status: message.status, sha256: message.sha256 });
      expect(only!.dataSha256).toBe(message.sha256);
      finals[name] = `${only!.where} ${only!.record.status}`;
      if (only!.where === "error") {
        const errors = only!.errors as ErrorsFile;
        expect(errors).toMatchObject({ messageId: message.messageId, executionId: message.executionId, status: message.status });
        expect(only!.record.executionId).toBe(message.executionId);
        expect(errors.errors).toEqual(name === "groups" ? groupErrors : [{ RecordId: "", Field: "", ErrorMessage: `Simulated ${message.status} while importing ${entities[name as keyof typeof entities]}.` }]);
      } else expect(only!.errors).toBeUndefined();
    }
    expect(finals).toEqual({
      ok: "success Processed",
      groups: "error ProcessedWithErrors",
      vendors: "error PreProcessingError",
      products: "error PostProcessingError",
      workers: "error PostProcessingFailed",
    });
  });

  it("keeps a failed message whose execution ID is still the empty GUID for the next run, and one whose check failed", async () => {
    const { sim, clock } = await simulator();
    const folder = path.join(tempDir("fno-monitor-"), "in");
    dropFiles(folder, { "g.csv": "G" });
    await runUpload(context(sim, clock, folder), settings(folder, { entity: "Customer groups" }));
    settle(clock);
    const notPickedUp = new EmptyExecutionIdClient(sim, clock);
    expect((await runMonitor(context(sim, clock, folder, notPickedUp), { folder })).counts).toMatchObject({ pending: 1, failed: 0 });
    expect(namesIn(path.join(folder, "uploaded"))).toEqual(["g.csv", "g.csv.status.json"]);

    sim.setFaults({ rules: [{ kind: "status", status: 503, endpoint: "getMessageStatus" }] });
    const ctx = context(sim, clock, folder);
    const refused = await runMonitor(ctx, { folder });
    expect(refused).toEqual({ counts: { succeeded: 0, failed: 0, pending: 0, deferred: 1 }, unfinished: 1 });
    expect(ctx.logs.some((l) => l.level === "warn" && /left for the next run/.test(l.message))).toBe(true);

    sim.setFaults({});
    expect((await runMonitor(ctx, { folder })).counts).toMatchObject({ failed: 1 });
    expect(landed(folder).map((l) => [l.where, l.record.status])).toEqual([["error", "ProcessedWithErrors"]]);
  });

  it("writes the execution's error files beside a failed file (execution errors, error keys and staging errors for its entity, summary page), and the others when one cannot be had", async () => {
    const { sim, clock } = await simulator();
    const root = tempDir("fno-monitor-");
    const monitorWith = async (name: string, client?: FnoClient) => {
      const folder = path.join(root, name);
      dropFiles(folder, { "g.csv": name });
      await runUpload(context(sim, clock, folder), settings(folder, { entity: "Customer groups" }));
      settle(clock);
      const ctx = context(sim, clock, folder, client);
      await runMonitor(ctx, { folder });
      const [failed] = landed(folder);
      expect(failed).toMatchObject({ where: "error", record: { status: "ProcessedWithErrors" } });
      return { folder, errors: failed!.errors as ErrorsFile, logs: ctx.logs };
    };
    const full = await monitorWith("full");
    const executionId = full.errors.executionId;
    const prefix = path.join(full.folder, "error", `g.csv.${executionId}`);
    expect(full.errors).toMatchObject({
      executionId,
      errors: groupErrors,
      executionErrors: `${prefix}.execution-errors.json`,
      errorKeys: [{ entity: "Customer groups", file: expect.stringMatching(/^.*g\.csv\..*\.Customer groups\.error-keys\.\w+$/) }],
      stagingErrors: [{ entity: "Customer groups", file: expect.stringMatching(/\.Customer groups\.staging-errors\.\w+$/) }],
      summaryPage: `${prefix}.summary.url`,
      problems: [],
    });
    expect(JSON.parse(readFileSync(full.errors.executionErrors!, "utf8"))).toEqual(groupErrors);
    expect(readFileSync(full.errors.summaryPage!, "utf8")).toContain(`executionId=${executionId}`);

    const partial = await monitorWith("no-link", new NoSummaryPageClient(sim, clock));
    expect(partial.errors).toMatchObject({ errors: groupErrors, errorKeys: [{ entity: "Customer groups" }] });
    expect(partial.errors).not.toHaveProperty("summaryPage");
    expect(partial.errors.problems).toEqual([expect.stringMatching(/summary page.*HTTP 500/i)]);
    expect(partial.logs.some((l) => l.level === "warn" && /summary page.*HTTP 500/i.test(l.message))).toBe(true);
  });

  it("a file uploaded again under a name still in uploaded/ is kept apart (name~2), and both end in success/", async () => {
    const { sim, clock } = await simulator();
    const folder = path.join(tempDir("fno-monitor-"), "in");
    const ctx = context(sim, clock, folder);
    dropFiles(folder, { "daily.csv": "day 1" });
    await runUpload(ctx, settings(folder));
    dropFiles(folder, { "daily.csv": "day 2" });
    await runUpload(ctx, settings(folder));
    expect(namesIn(path.join(folder, "uploaded"))).toEqual(["daily.csv", "daily.csv.status.json", "daily~2.csv", "daily~2.csv.status.json"]);
    settle(clock);
    await runMonitor(ctx, { folder });
    dropFiles(folder, { "daily.csv": "day 3" });
    await runUpload(ctx, settings(folder));
    settle(clock);
    await runMonitor(ctx, { folder });
    expect(landed(folder).map((l) => [l.record.storedAs, l.record.file, l.dataSha256])).toEqual([
      ["daily.csv", "daily.csv", sha256("day 1")],
      ["daily~2.csv", "daily.csv", sha256("day 2")],
      ["daily~3.csv", "daily.csv", sha256("day 3")],
    ]);
    expect(sim.importMessages(activity)).toHaveLength(3);
  });
});

/** Runs an upload that calls `onSending` as its first file is about to be sent (where a stop lands mid-send). */
function uploadStoppingAtFirstSend(ctx: TestContext<NoState>, folder: string, onSending: () => void) {
  return runUpload(ctx, settings(folder), { onStep: (step) => step === "sending" && onSending() });
}

/** Counts the enqueues in flight at once. */
class CountingClient extends FnoClient {
  inFlight = 0;
  max = 0;
  constructor(sim: Simulator, clock: VirtualClock) {
    super(clientOptions(sim.connection, clock));
  }
  override async enqueue(activityId: string, content: Blob | Uint8Array, options?: EnqueueOptions): Promise<string> {
    this.max = Math.max(this.max, ++this.inFlight);
    try {
      return await super.enqueue(activityId, content, options);
    } finally {
      this.inFlight--;
    }
  }
}

/** Answers GetExecutionIdByMessageId with the empty GUID, as F&O does before its batch job has picked a message up. */
class EmptyExecutionIdClient extends FnoClient {
  constructor(sim: Simulator, clock: VirtualClock) {
    super(clientOptions(sim.connection, clock));
  }
  override async getExecutionIdByMessageId(_messageId: string, _options?: CallOptions): Promise<string> {
    return emptyGuid;
  }
}

/** Fails GetExecutionSummaryPageUrl with a 500. */
class NoSummaryPageClient extends FnoClient {
  constructor(sim: Simulator, clock: VirtualClock) {
    super(clientOptions(sim.connection, clock));
  }
  override async getExecutionSummaryPageUrl(_executionId: string, _options?: CallOptions): Promise<string> {
    throw new FnoError({ operation: "GetExecutionSummaryPageUrl", method: "POST", url: this.environmentUrl, status: 500 });
  }
}
