import { lstat, mkdir, rename, rm } from "node:fs/promises";
import path from "node:path";
import { emptyGuid, FnoError, type FnoClient } from "../client/index.ts";
import { errorCodes, ToolError } from "../errors/index.ts";
import { flushFolder } from "./durable.ts";
import { extractPackage } from "./extract.ts";
import { readPackageManifest } from "./package-manifest.ts";
import { fillTemporary } from "./package-store.ts";
import { awaitExecution, ExecutionFailedError, executionFailure, fileSafe, newExecutionId, pollUntil, startOnce, type PollOptions } from "./package-poll.ts";

export interface ExportPackageOptions extends PollOptions {
  client: FnoClient;
  /** The export data project in F&O (it must exist). */
  definitionGroupId: string;
  legalEntityId?: string | undefined;
  /** The package's name in F&O and of the file written; default: the execution ID. */
  packageName?: string | undefined;
  /** Folder the package is written to, as `<packageName>.zip`. */
  outDir: string;
  /** Also unzip the package into `<outDir>/<packageName>/` (safely: see extract.ts). */
  extract?: boolean | undefined;
  /** The execution ID to use; default: a new one (see newExecutionId). */
  executionId?: string | undefined;
  /**
   * The export `executionId` names was started by an earlier call (a run cut short while it polled): follow it to
   * its package instead of starting one. The caller checks first that F&O has it (executionExists).
   */
  alreadyStarted?: boolean | undefined;
  onStep?: ((step: ExportStep) => void) | undefined;
}

export type ExportStep =
  | { type: "started"; executionId: string }
  | { type: "status"; status: string }
  | { type: "downloading" }
  | { type: "stored"; file: string; bytes: number; sha256: string };

export interface ExportPackageResult {
  executionId: string;
  /** The final status: Succeeded or PartiallySucceeded (the export of some records failed). */
  status: string;
  file: string;
  bytes: number;
  sha256: string;
  /** The entities the package's Manifest.xml lists. */
  entities: string[];
  extractedTo: string | undefined;
}

/**
 * Exports a data project to a package and downloads it: ExportToPackage → GetExecutionSummaryStatus polled with
 * backoff until final → GetExportedPackageUrl polled until it gives a URL → the package downloaded without the
 * F&O token (a SAS URL) to a temporary file, flushed, checked (a readable zip with Manifest.xml, every entry
 * inflated) and only then renamed to `<outDir>/<packageName>.zip`; then optionally extracted. A file already under
 * that name is never replaced: the export does not start. ExportToPackage is never re-sent: a lost answer is
 * settled by looking up the execution ID chosen here (startOnce), so a change-tracked delta is not exported twice.
 */
export async function exportPackage(options: ExportPackageOptions): Promise<ExportPackageResult> {
  const { client, definitionGroupId, signal } = options;
  const clock = options.clock ?? client.clock;
  const polling = { policy: options.policy, clock, signal };
  const call = signal ? { signal } : {};
  const onStep = options.onStep ?? (() => undefined);
  const chosenId = options.executionId ?? newExecutionId(definitionGroupId, clock.now());
  const packageName = options.packageName ?? chosenId;
  const name = fileSafe(packageName);
  const final = path.join(options.outDir, `${name}.zip`);
  await mkdir(options.outDir, { recursive: true });
  if (await exists(final)) {
    throw new ToolError(errorCodes.outputLocation, `${final} already exists; move it away or choose another --package-name`);
  }

  const request = { definitionGroupId, packageName, executionId: chosenId, reExecute: false, legalEntityId: options.legalEntityId ?? "" };
  if (options.alreadyStarted && options.executionId === undefined) throw new Error("exportPackage: alreadyStarted needs the executionId of the export to follow");
  const { executionId: returned } = options.alreadyStarted
    ? { executionId: chosenId }
    : await startOnce(client, chosenId, "export", () => client.exportToPackage(request, call), call);
  // Microsoft's Logic App sample treats the empty GUID as ExportToPackage not having started anything.
  if (returned === "" || returned === emptyGuid) {
    throw new ExecutionFailedError(`ExportToPackage started no export for data project ${definitionGroupId} (it returned "${returned}")`, chosenId, "NotStarted");
  }
  const executionId = returned;
  onStep({ type: "started", executionId });

  const status = await awaitExecution(client, executionId, `export ${executionId}`, { ...polling, onStatus: (s) => onStep({ type: "status", status: s }) }).catch((err: unknown) => {
    // ExportToPackage answers with an execution ID even for a data project F&O does not have; the status of that
    // ID is then a 500 ("Execution details were not found", RIS issue #71).
    if (err instanceof FnoError && err.status === 500) {
      throw new ToolError(errorCodes.remote, `${err.message}; ExportToPackage accepts a data project that does not exist, so check that "${definitionGroupId}" is an export data project in F&O`, { cause: err });
    }
    throw err;
  });
  if (status.phase === "failed") throw await executionFailure(client, executionId, `export ${executionId} of data project ${definitionGroupId}`, status.status, call);

  const url = await pollUntil(
    `the package of export ${executionId}`,
    "the export finished but F&O has not given the package's URL yet; run export-package again later",
    async () => {
      const found = await client.getExportedPackageUrl(executionId, call);
      return found === "" ? { done: false, seen: "no URL yet" } : { done: true, value: found };
    },
    polling,
  );

  onStep({ type: "downloading" });
  const partial = `${final}.partial`;
  const { sink } = await fillTemporary(partial, async (target) => void (await client.downloadBlob(url, target, call)), { flush: true, hash: true });
  let entities: string[];
  try {
    entities = (await readPackageManifest(partial, `the package of export ${executionId}`)).map((e) => e.name);
    await rename(partial, final);
    await flushFolder(options.outDir);
  } catch (err) {
    await rm(partial, { force: true });
    throw err;
  }
  const sha256 = sink.digest();
  onStep({ type: "stored", file: final, bytes: sink.bytes, sha256 });
  const extractedTo = options.extract ? await extractPackage(final, options.outDir, name) : undefined;
  return { executionId, status: status.status, file: final, bytes: sink.bytes, sha256, entities, extractedTo };
}

async function exists(file: string): Promise<boolean> {
  return lstat(file).then(
    () => true,
    (err: NodeJS.ErrnoException) => {
      if (err.code === "ENOENT") return false;
      throw err;
    },
  );
}
