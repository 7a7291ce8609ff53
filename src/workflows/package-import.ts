import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { blobOperations, FnoError, type AzureWriteUrl, type FnoClient } from "../client/index.ts";
import { errorCodes, ToolError } from "../errors/index.ts";
import { writeErrorFiles, type ErrorFiles } from "./package-errors.ts";
import { readPackageManifest } from "./package-manifest.ts";
import { awaitExecution, fileSafe, newExecutionId, startOnce, type PollOptions } from "./package-poll.ts";
import { wrapInTemplate } from "./package-template.ts";

// The job kinds look executions up through this module.
export { executionExists } from "./package-poll.ts";

export interface ImportPackageOptions extends PollOptions {
  client: FnoClient;
  /** A data package (zip with Manifest.xml), or with `template` a plain data file (CSV, XML, Excel). */
  file: string;
  /** The import data project in F&O. */
  definitionGroupId: string;
  legalEntityId?: string | undefined;
  /** Run staging → target too (ImportFromPackage's `execute`); default true. */
  execute?: boolean | undefined;
  /** ImportFromPackage's `overwrite`; default false (it must be false for composite entities). */
  overwrite?: boolean | undefined;
  /** Follow the execution to its end, and write the error files when it did not fully succeed. */
  wait?: boolean | undefined;
  /** A package of the data project to wrap a plain data file into (see package-template.ts). */
  template?: string | undefined;
  executionId?: string | undefined;
  onStep?: ((step: ImportStep) => void) | undefined;
}

export type ImportStep =
  | { type: "wrapped"; entity: string; dropped: string[] }
  | { type: "uploaded"; freshUrl: boolean }
  | { type: "started"; executionId: string; lookedUp: boolean }
  | { type: "status"; status: string };

export interface ImportPackageResult {
  executionId: string;
  /** The final status with `wait`; undefined without. */
  status: string | undefined;
  /** `started` without `wait`; else where the execution ended. */
  outcome: "started" | "succeeded" | "partial" | "failed";
  /** The entities of the package imported (its Manifest.xml). */
  entities: string[];
  /** Written beside the input when the execution did not fully succeed. */
  errorFiles: ErrorFiles | undefined;
}

/**
 * Imports a package through the package API: GetAzureWriteUrl → upload to the SAS URL (no F&O token) →
 * ImportFromPackage with an execution ID chosen here → with `wait`, GetExecutionSummaryStatus polled with backoff,
 * and on PartiallySucceeded, Failed, Canceled or Unknown the error files beside the input (package-errors.ts).
 *
 * - A plain data file is first wrapped into a copy of `template` in a temporary folder, removed afterwards.
 * - A write URL the storage refuses with 403 (expired: write URLs are short-lived, and a large upload can outlast
 *   one) gets one fresh URL and one more upload: nothing has been imported yet, so asking again is harmless. A
 *   second 403 is reported: the storage then refuses for another reason than an unlucky expiry.
 * - ImportFromPackage is never re-sent (see the client); a lost answer is settled by looking up the execution ID
 *   chosen here (startOnce).
 */
export async function importPackage(options: ImportPackageOptions): Promise<ImportPackageResult> {
  const { client, file, definitionGroupId, signal } = options;
  const clock = options.clock ?? client.clock;
  const polling = { policy: options.policy, clock, signal };
  const call = signal ? { signal } : {};
  const onStep = options.onStep ?? (() => undefined);
  const executionId = options.executionId ?? newExecutionId(definitionGroupId, clock.now());

  let packageUrl: string;
  let entities: string[];
  const scratch = options.template === undefined ? undefined : await mkdtemp(path.join(tmpdir(), "fno-import-"));
  try {
    let packageFile = file;
    if (options.template !== undefined) {
      const wrapped = await wrapInTemplate({ template: options.template, dataFile: file, out: path.join(scratch!, `${fileSafe(executionId)}.zip`) });
      onStep({ type: "wrapped", entity: wrapped.entity.name, dropped: wrapped.dropped });
      packageFile = wrapped.file;
      entities = [wrapped.entity.name];
    } else {
      entities = (await readPackageManifest(file)).map((e) => e.name);
    }
    packageUrl = await upload(client, packageFile, executionId, call, (freshUrl) => onStep({ type: "uploaded", freshUrl }));
  } finally {
    if (scratch !== undefined) await rm(scratch, { recursive: true, force: true });
  }

  const request = { packageUrl, definitionGroupId, executionId, execute: options.execute ?? true, overwrite: options.overwrite ?? false, legalEntityId: options.legalEntityId ?? "" };
  const answer = await startOnce(client, executionId, "import", () => client.importFromPackage(request, call), call);
  const started = { executionId: answer.executionId === "" ? executionId : answer.executionId, lookedUp: answer.lookedUp };
  onStep({ type: "started", executionId: started.executionId, lookedUp: started.lookedUp });
  if (!options.wait) return { executionId: started.executionId, status: undefined, outcome: "started", entities, errorFiles: undefined };

  const { status, phase } = await awaitExecution(client, started.executionId, `import ${started.executionId}`, { ...polling, onStatus: (s) => onStep({ type: "status", status: s }) });
  if (phase === "succeeded") return { executionId: started.executionId, status, outcome: "succeeded", entities, errorFiles: undefined };
  const errorFiles = await writeErrorFiles({ ...polling, client, executionId: started.executionId, entities, beside: file });
  return { executionId: started.executionId, status, outcome: phase, entities, errorFiles };
}

/** Uploads through a write URL, with one fresh URL after a 403 (see importPackage); returns the URL the package is at. */
async function upload(client: FnoClient, file: string, executionId: string, call: { signal?: AbortSignal }, onUploaded: (freshUrl: boolean) => void): Promise<string> {
  const ask = (n: number): Promise<AzureWriteUrl> => client.getAzureWriteUrl(`${fileSafe(executionId)}-${n}.zip`, call);
  const first = await ask(1);
  try {
    await client.uploadBlob(first.blobUrl, file, call);
    onUploaded(false);
    return first.blobUrl;
  } catch (err) {
    if (!refused(err)) throw err;
  }
  const second = await ask(2);
  try {
    await client.uploadBlob(second.blobUrl, file, call);
  } catch (err) {
    if (!refused(err)) throw err;
    throw new ToolError(
      errorCodes.remote,
      `${blobOperations.upload} failed: HTTP 403 twice: the storage refused a fresh write URL from GetAzureWriteUrl as well as the first, so it is not an expiry the upload outlasted; ` +
        `check the environment's storage (or that this machine's clock is right), then run the import again`,
      { cause: err },
    );
  }
  onUploaded(true);
  return second.blobUrl;
}

function refused(err: unknown): boolean {
  return err instanceof FnoError && err.status === 403;
}
