/**
 * One sync run in a worker thread that crashes at a chosen step (see crash.test.ts). When the step is reached
 * for the `occurrence`-th time, the hook tells the test and then blocks this thread for good, so not one more
 * line of the run executes; the test then terminates the worker, which drops everything the run had in memory.
 */
import { parentPort, workerData } from "node:worker_threads";
import { FnoClient, LoopbackClientSecretCredential } from "../../src/client/index.ts";
import type { SimulatorConnection } from "../../src/simulator/index.ts";
import { syncExports, type SyncStep } from "../../src/workflows/export-sync.ts";

export interface CrashRun {
  connection: SimulatorConnection;
  activityId: string;
  outDir: string;
  step: SyncStep;
  /** Crash when the step is reached for this time (1 = the first message to get there). */
  occurrence: number;
  concurrency: number;
}

export type CrashRunReport = { crashed: SyncStep; correlationId: string } | { finished: string };

const run = workerData as CrashRun;
const port = parentPort!;
// Built here rather than through test/workflows/support.ts: that imports the CLI's demo and with it most of
// src/, which would make each worker's start five times slower.
const { connection } = run;
const credential = new LoopbackClientSecretCredential(connection.authorityHost, connection.tenantId, connection.clientId, connection.clientSecret);
const client = new FnoClient({ environmentUrl: connection.environmentUrl, credential, retry: { baseDelayMs: 5, maxDelayMs: 50, maxAttempts: 8 } });
const forever = new Int32Array(new SharedArrayBuffer(4));

let reached = 0;
void syncExports({
  client,
  activityId: run.activityId,
  outDir: run.outDir,
  concurrency: run.concurrency,
  onStep: (step, correlationId) => {
    if (step !== run.step || ++reached !== run.occurrence) return;
    port.postMessage({ crashed: step, correlationId } satisfies CrashRunReport);
    Atomics.wait(forever, 0, 0);
  },
}).then((summary) => port.postMessage({ finished: JSON.stringify(summary) } satisfies CrashRunReport));
