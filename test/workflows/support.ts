import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import type { FnoClient, RetryOptions } from "../../src/client/index.ts";
import { simulatorClient as clientForSimulator } from "../../src/cli/demo-run.ts";
import type { Simulator } from "../../src/simulator/index.ts";

/** Short backoff so fault tests stay quick (Retry-After is still honoured in full). */
export const quickRetry: Partial<RetryOptions> = { baseDelayMs: 5, maxDelayMs: 50, maxAttempts: 8 };

/** A client for a running simulator, with `quickRetry`. */
export function simulatorClient(sim: Simulator, retry: Partial<RetryOptions> = {}): FnoClient {
  return clientForSimulator(sim.connection, { ...quickRetry, ...retry });
}

export function tempDir(prefix: string): string {
  return mkdtempSync(path.join(tmpdir(), prefix));
}

export { packageDigests as packagesOnDisk } from "../../src/workflows/package-store.ts";

/** What must be on disk: one file per seeded message, named by correlation ID, with the seeded bytes. */
export function expectedPackages(sim: Simulator, activityId: string): Map<string, string> {
  return new Map(sim.exportMessages(activityId).map((m) => [`${m.correlationId}.zip`, m.sha256]));
}
