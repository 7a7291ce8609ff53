import { createHash } from "node:crypto";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { FnoClient, LoopbackClientSecretCredential, type FnoClientOptions, type RetryOptions } from "../../../src/client/index.ts";
import type { DurableState, JobContext, JobLogEvent } from "../../../src/jobs/kind.ts";
import { errorsSuffix, statusSuffix, type UploadRecord } from "../../../src/jobs/kinds/upload-folder.ts";
import type { SimulatorConnection } from "../../../src/simulator/index.ts";
import type { VirtualClock } from "../../support/virtual-clock.ts";
import { flushFolder } from "../../../src/workflows/durable.ts";

/** Short backoff so fault tests stay quick (Retry-After is still honoured in full). */
export const quickRetry: Partial<RetryOptions> = { baseDelayMs: 5, maxDelayMs: 50, maxAttempts: 8 };

/** Options of a client for a simulator's environment; on `clock` when given (its waits are then virtual too). */
export function clientOptions(connection: SimulatorConnection, clock?: VirtualClock, retry: Partial<RetryOptions> = {}): FnoClientOptions {
  return {
    environmentUrl: connection.environmentUrl,
    credential: new LoopbackClientSecretCredential(connection.authorityHost, connection.tenantId, connection.clientId, connection.clientSecret),
    retry: { ...quickRetry, ...retry },
    ...(clock ? { now: () => clock.now(), sleep: (ms: number, signal?: AbortSignal) => clock.sleep(ms, signal) } : {}),
  };
}

export function clientFor(connection: SimulatorConnection, clock?: VirtualClock, retry: Partial<RetryOptions> = {}): FnoClient {
  return new FnoClient(clientOptions(connection, clock, retry));
}

/**
 * A job's state in a file, as the contract describes it: each update written to a temporary file, flushed,
 * renamed over the old one, and the folder flushed. What the runner gives a kind, built here so the kinds are
 * tested on the contract alone.
 */
export function fileState<State>(file: string, initial: State): DurableState<State> {
  let state: State = existsSync(file) ? (JSON.parse(readFileSync(file, "utf8")) as State) : initial;
  return {
    get: () => state,
    async update(next) {
      writeFileSync(`${file}.tmp`, JSON.stringify(next), { flush: true });
      renameSync(`${file}.tmp`, file);
      await flushFolder(path.dirname(file));
      state = next;
    },
  };
}

export interface TestContext<State> extends JobContext<State> {
  logs: JobLogEvent[];
}

export function jobContext<State>(options: { client: FnoClient; stateFile: string; initial: State; job?: string; environment?: string; signal?: AbortSignal; now?: () => number }): TestContext<State> {
  const logs: JobLogEvent[] = [];
  return {
    job: options.job ?? "test-job",
    environment: options.environment ?? "test-env",
    client: options.client,
    state: fileState(options.stateFile, options.initial),
    signal: options.signal ?? new AbortController().signal,
    log: (event) => logs.push(event),
    now: options.now ?? (() => Date.now()),
    logs,
  };
}

export function tempDir(prefix: string): string {
  return mkdtempSync(path.join(tmpdir(), prefix));
}

export function sha256(bytes: string | Uint8Array): string {
  return createHash("sha256").update(bytes).digest("hex");
}

/** Writes files into a folder; returns their SHA-256 by name. */
export function dropFiles(folder: string, files: Record<string, string>): Map<string, string> {
  mkdirSync(folder, { recursive: true });
  const digests = new Map<string, string>();
  for (const [name, content] of Object.entries(files)) {
    writeFileSync(path.join(folder, name), content);
    digests.set(name, sha256(content));
  }
  return digests;
}

export interface Landed {
  /** success or error */
  where: "success" | "error";
  record: UploadRecord;
  /** SHA-256 of the data file beside the status file, undefined when it is missing. */
  dataSha256: string | undefined;
  errors: unknown;
}

/** Every status file in success/ and error/, with what is beside it. */
export function landed(folder: string): Landed[] {
  const out: Landed[] = [];
  for (const where of ["success", "error"] as const) {
    const dir = path.join(folder, where);
    if (!existsSync(dir)) continue;
    for (const name of readdirSync(dir).filter((n) => n.endsWith(statusSuffix)).sort()) {
      const record = JSON.parse(readFileSync(path.join(dir, name), "utf8")) as UploadRecord;
      const data = path.join(dir, record.storedAs);
      const errorsFile = path.join(dir, `${record.storedAs}${errorsSuffix}`);
      out.push({
        where,
        record,
        dataSha256: existsSync(data) ? sha256(readFileSync(data)) : undefined,
        errors: existsSync(errorsFile) ? JSON.parse(readFileSync(errorsFile, "utf8")) : undefined,
      });
    }
  }
  return out;
}

/** Names in a folder, empty when it does not exist. */
export function namesIn(dir: string): string[] {
  return existsSync(dir) ? readdirSync(dir).sort() : [];
}

/** What is left outside success/ and error/: files in the inbox, uploaded/ and the in-flight stages. */
export function leftOver(folder: string): string[] {
  const inbox = namesIn(folder).filter((n) => ![".fno-upload", "uploaded", "success", "error"].includes(n));
  return [
    ...inbox,
    ...namesIn(path.join(folder, "uploaded")).map((n) => `uploaded/${n}`),
    ...namesIn(path.join(folder, ".fno-upload", "claimed")).map((n) => `claimed/${n}`),
    ...namesIn(path.join(folder, ".fno-upload", "sending")).map((n) => `sending/${n}`),
  ];
}
