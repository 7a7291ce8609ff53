import path from "node:path";
import type { ExecutionErrors, FnoClient } from "../client/index.ts";
import { writeFileThroughPartial } from "./package-store.ts";
import { fileSafe, pollUntil, type PollOptions } from "./package-poll.ts";

/**
 * The files an admin needs after an import that did not fully succeed, written beside the input file, each
 * through a temporary name and renamed when whole (nothing half-written under a final name):
 * - `<input>.<executionId>.execution-errors.json` (or `.txt` when F&O's text is not JSON): GetExecutionErrors;
 * - `<input>.<executionId>.<entity>.error-keys.<ext>`: the keys of the records that did not reach the target
 *   (GenerateImportTargetErrorKeysFile, then GetImportTargetErrorKeysFileUrl polled until it gives a URL);
 * - `<input>.<executionId>.<entity>.staging-errors.<ext>`: the staging error file, when F&O has one;
 * - `<input>.<executionId>.summary.url`: an Internet shortcut to the execution summary page in F&O, as RIS writes.
 * Blob files are downloaded without the F&O token. A step that fails is reported in `problems` and the others
 * still run: an admin is better served by most of the files than by none.
 */
export interface ErrorFilesOptions extends PollOptions {
  client: FnoClient;
  executionId: string;
  /** The entities of the imported package (its Manifest.xml), whose error files are fetched. */
  entities: readonly string[];
  /** The input file: the error files are written in its folder, named after it. */
  beside: string;
}

export interface ErrorFiles {
  /** GetExecutionErrors' answer, when it could be had. */
  errors: ExecutionErrors | undefined;
  executionErrors: string | undefined;
  errorKeys: { entity: string; file: string }[];
  stagingErrors: { entity: string; file: string }[];
  summaryPage: string | undefined;
  summaryPageUrl: string | undefined;
  /** What could not be fetched or written, one line each. */
  problems: string[];
}

export async function writeErrorFiles(options: ErrorFilesOptions): Promise<ErrorFiles> {
  const { client, executionId, signal } = options;
  const call = signal ? { signal } : {};
  const prefix = path.join(path.dirname(options.beside), `${path.basename(options.beside)}.${fileSafe(executionId)}`);
  const result: ErrorFiles = { executionErrors: undefined, errors: undefined, errorKeys: [], stagingErrors: [], summaryPage: undefined, summaryPageUrl: undefined, problems: [] };
  const attempt = async (what: string, step: () => Promise<void>): Promise<void> => {
    try {
      await step();
    } catch (err) {
      if (signal?.aborted) throw err;
      result.problems.push(`${what}: ${(err as Error).message}`);
    }
  };

  await attempt("execution errors", async () => {
    result.errors = await client.getExecutionErrors(executionId, call);
    const { raw, errors } = result.errors;
    const file = `${prefix}.execution-errors.${errors ? "json" : "txt"}`;
    await writeText(file, errors ? JSON.stringify(errors, null, 2) + "\n" : raw);
    result.executionErrors = file;
  });

  for (const entity of options.entities) {
    const entityPrefix = `${prefix}.${fileSafe(entity)}`;
    await attempt(`error keys of ${entity}`, async () => {
      if (!(await client.generateImportTargetErrorKeysFile(executionId, entity, call))) return;
      // Empty while F&O writes the file: polled like an execution, bounded the same way.
      const url = await pollUntil(
        `the error-keys file of ${entity} in execution ${executionId}`,
        "F&O may still be writing it: open the execution summary page",
        async () => {
          const found = await client.getImportTargetErrorKeysFileUrl(executionId, entity, call);
          return found === "" ? { done: false, seen: "no URL yet" } : { done: true, value: found };
        },
        { policy: options.policy, clock: options.clock ?? client.clock, signal },
      );
      const file = `${entityPrefix}.error-keys${extensionOf(url, ".txt")}`;
      await writeFileThroughPartial(file, async (sink) => void (await client.downloadBlob(url, sink, call)));
      result.errorKeys.push({ entity, file });
    });
    await attempt(`staging errors of ${entity}`, async () => {
      const url = await client.getImportStagingErrorFileUrl(executionId, entity, call);
      if (url === "") return;
      const file = `${entityPrefix}.staging-errors${extensionOf(url, ".txt")}`;
      await writeFileThroughPartial(file, async (sink) => void (await client.downloadBlob(url, sink, call)));
      result.stagingErrors.push({ entity, file });
    });
  }

  await attempt("execution summary page link", async () => {
    const url = await client.getExecutionSummaryPageUrl(executionId, call);
    if (url === "") return;
    const file = `${prefix}.summary.url`;
    await writeText(file, `[InternetShortcut]\r\nURL=${url}\r\n`);
    result.summaryPage = file;
    result.summaryPageUrl = url;
  });
  return result;
}

async function writeText(file: string, text: string): Promise<void> {
  await writeFileThroughPartial(file, async (sink) => sink.write(Buffer.from(text, "utf8")));
}

/** The extension of a URL's file name (`.csv` of `…/keys.csv?sig=…`), else `fallback`. */
function extensionOf(url: string, fallback: string): string {
  const extension = path.posix.extname(new URL(url).pathname);
  return /^\.[A-Za-z0-9]{1,8}$/.test(extension) ? extension.toLowerCase() : fallback;
}
