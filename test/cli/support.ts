import { mkdtempSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { vi } from "vitest";
import { runCli } from "../../src/cli/program.ts";

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `fno-connector …args` in-process and captures what it prints (stdout as latin1 so binary output survives). */
export async function runCaptured(args: string[]): Promise<CliRun> {
  let stdout = "";
  let stderr = "";
  const capture = (append: (text: string) => void) => (chunk: string | Uint8Array, ...rest: unknown[]) => {
    append(typeof chunk === "string" ? chunk : Buffer.from(chunk).toString("latin1"));
    (rest.find((arg) => typeof arg === "function") as (() => void) | undefined)?.();
    return true;
  };
  const out = vi.spyOn(process.stdout, "write").mockImplementation(capture((text) => (stdout += text)));
  const err = vi.spyOn(process.stderr, "write").mockImplementation(capture((text) => (stderr += text)));
  try {
    const code = await runCli(args);
    return { code, stdout, stderr };
  } finally {
    out.mockRestore();
    err.mockRestore();
  }
}

export function tempDir(prefix = "fno-cli-"): string {
  return mkdtempSync(path.join(tmpdir(), prefix));
}

/** A loopback URL that refuses connections: a port that was free a moment ago (fetch refuses "bad" ports such as 9 itself). */
async function refusedUrl(): Promise<string> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return `http://127.0.0.1:${port}`;
}

export const refused = await refusedUrl();

/** Connection flags for an environment nobody listens on: a command that sends anything fails with a network error. */
export const unreachable = [
  "--url", refused,
  "--tenant", "11111111-1111-4111-8111-111111111111",
  "--client-id", "22222222-2222-4222-8222-222222222222",
  "--client-secret", "a-client-secret-value",
  "--authority-host", refused,
];
