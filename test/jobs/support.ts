import { mkdtempSync, readdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { FnoClient } from "../../src/client/index.ts";
import { withoutCredentials } from "../../src/cli/secrets.ts";
import type { AnyJobKind } from "../../src/jobs/config.ts";
import type { JobContext, JobKind, JobOutcome } from "../../src/jobs/kind.ts";
import type { JobsHost, ResolvedEnvironment, RunnerLogLine } from "../../src/jobs/runner.ts";

export function scratch(prefix = "fno-jobs-"): string {
  return mkdtempSync(path.join(tmpdir(), prefix));
}

/** Writes `text` as `<dir>/jobs.yaml` and returns its path. */
export function writeJobsFile(dir: string, text: string): string {
  const file = path.join(dir, "jobs.yaml");
  writeFileSync(file, text);
  return file;
}

/** Two environments whose secrets come from PROD_SECRET and from the file test-secret beside the jobs file. */
export const twoEnvironments = `environments:
  prod:
    url: https://contoso.operations.dynamics.com
    tenant: 11111111-1111-4111-8111-111111111111
    clientId: 22222222-2222-4222-8222-222222222222
    clientSecret: { env: PROD_SECRET }
  test:
    url: https://contoso-test.sandbox.operations.dynamics.com
    tenant: 11111111-1111-4111-8111-111111111111
    clientId: 33333333-3333-4333-8333-333333333333
    clientSecret: { file: test-secret }
`;

export const prodSecret = "prod-client-secret-value-0123456789";

interface FolderSettings {
  folder: string;
}

/** A kind that lists its folder each run (throwing when it cannot) and counts its runs in its state. */
export const folderKind: JobKind<FolderSettings, { runs: number }> = {
  kind: "folder-count",
  folderUse: "inbox",
  settingsSchema: {
    type: "object",
    required: ["folder"],
    additionalProperties: false,
    properties: { folder: { type: "string" } },
  },
  initialState: () => ({ runs: 0 }),
  async run(context, settings) {
    const files = readdirSync(settings.folder); // throws for an unreadable folder: the job cannot run
    await context.state.update({ runs: context.state.get().runs + 1 });
    return { counts: { files: files.length } };
  },
};

/** A kind whose every run is `run`, for tests that script what a run does. */
export function scriptedKind(kind: string, run: (context: JobContext<{ runs: number }>) => Promise<JobOutcome>): JobKind<Record<string, never>, { runs: number }> {
  return {
    kind,
    settingsSchema: { type: "object", additionalProperties: false, properties: {} },
    initialState: () => ({ runs: 0 }),
    run: (context) => run(context),
  };
}

export const testKinds: readonly AnyJobKind[] = [folderKind];

/** A host whose clients never send anything (the test kinds do not call them) and that records what it was asked to sign in to. */
export function testHost(): JobsHost & { connected: ResolvedEnvironment[] } {
  const connected: ResolvedEnvironment[] = [];
  return {
    connected,
    async connect(environment) {
      connected.push(environment);
      const credential = { getToken: () => Promise.reject(new Error("the test host's clients do not sign in")) };
      return new FnoClient({ environmentUrl: environment.url, credential });
    },
    redact: withoutCredentials,
  };
}

/** A log that keeps every line. */
export function collectingLog(): { lines: RunnerLogLine[]; log: (line: RunnerLogLine) => void } {
  const lines: RunnerLogLine[] = [];
  return { lines, log: (line) => lines.push(line) };
}
