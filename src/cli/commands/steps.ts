import { once } from "node:events";
import { readFileSync } from "node:fs";
import type { Command } from "commander";
import { emptyGuid, messageStatusPhase, type DequeueMessage, type DownloadResult, type DownloadSink } from "../../client/index.ts";
import { importFile } from "../../workflows/import.ts";
import { checkZip, UnreadablePackageError, writeFileThroughPartial } from "../../workflows/package-store.ts";
import { addConnectionOptions, createClient, requireHttpUrl, resolveConnection, type ConnectionFlags } from "../connection.ts";
import { CliError, ExitCode } from "../errors.ts";
import { requireInputFile, requireOutputFile } from "../paths.ts";
import { printJson, reportErrorFiles } from "./package.ts";

/** The single steps of the recurring integrations API, for scripting. Each prints JSON on stdout. */
export function registerSteps(program: Command): void {
  addConnectionOptions(
    program
      .command("dequeue")
      .description("Dequeue the next export message; prints it as JSON, or {\"empty\":true} (exit 0) when the queue is empty")
      .requiredOption("--activity <id>", "activity ID of the recurring export job"),
  ).action(async (flags: ConnectionFlags & { activity: string }) => {
    const result = await (await createClient(resolveConnection(flags))).dequeue(flags.activity);
    printJson(result.kind === "empty" ? { empty: true } : result.message);
  });

  addConnectionOptions(
    program
      .command("download")
      .description("Download a package from a DownloadLocation (or from the dequeued message in --message FILE)")
      .argument("[location]", "the DownloadLocation URL")
      .option("--message <file>", "a dequeue result saved as JSON")
      .requiredOption("--out <file>", "where to write the package ('-' for stdout)"),
  ).action(async (location: string | undefined, flags: ConnectionFlags & { message?: string; out: string }) => {
    const target = location ?? (flags.message ? readMessage(flags.message).DownloadLocation : undefined);
    if (!target) throw new CliError("give a DownloadLocation or --message FILE", ExitCode.unreadable);
    requireHttpUrl(target, "DownloadLocation", "the DownloadLocation of a dequeue result");
    if (flags.out !== "-") requireOutputFile(flags.out, "--out");
    const client = await createClient(resolveConnection(flags));
    // A broken transfer resumes with a Range request; stdout cannot be rewound, so there a fresh start is an error.
    if (flags.out === "-") {
      const result = await client.downloadTo(target, stdoutSink);
      if (result.lengthUnchecked) process.stderr.write(`fno-connector: warning: ${noLength(result)}; they could not be verified (download to a file to have the package checked as a zip)\n`);
      return;
    }
    const out = flags.out;
    await writeFileThroughPartial(out, (sink) => client.downloadTo(target, sink), async (partial, result) => {
      // Without a length, a cut-off package is caught by its zip check, as sync's are.
      if (!result.lengthUnchecked) return;
      await checkZip(partial).catch((err: unknown) => {
        if (!(err instanceof UnreadablePackageError)) throw err;
        throw new CliError(`${out}: the transfer was probably cut off, so nothing was written under that name: ${noLength(result)}, and they are ${err.message}`, ExitCode.failed);
      });
    });
  });

  addConnectionOptions(
    program
      .command("ack")
      .description("Acknowledge a dequeued message (the JSON printed by dequeue)")
      .requiredOption("--activity <id>", "activity ID of the recurring export job")
      .requiredOption("--message <file>", "the dequeue result saved as JSON ('-' for stdin)"),
  ).action(async (flags: ConnectionFlags & { activity: string; message: string }) => {
    const message = readMessage(flags.message);
    await (await createClient(resolveConnection(flags))).acknowledge(flags.activity, message);
    printJson({ acknowledged: message.CorrelationId });
  });

  addConnectionOptions(
    program
      .command("status")
      .description("Show the status of an enqueued message, and its execution errors when it failed")
      .argument("<messageId>", "the message ID returned by enqueue"),
  ).action(async (messageId: string, flags: ConnectionFlags) => {
    const client = await createClient(resolveConnection(flags));
    const status = await client.getMessageStatus(messageId);
    if (messageStatusPhase(status) !== "failed") return printJson({ messageId, status });
    const executionId = await client.getExecutionIdByMessageId(messageId);
    const known = executionId !== "" && executionId !== emptyGuid;
    printJson({
      messageId,
      status,
      executionId,
      ...(known ? { executionStatus: await client.getExecutionSummaryStatus(executionId), errors: (await client.getExecutionErrors(executionId)).errors } : {}),
    });
  });

  addConnectionOptions(
    program
      .command("enqueue")
      .description("Upload a file or data package to a recurring import job; with --wait, follow it to the end")
      .argument("<file>", "the file or package to import")
      .requiredOption("--activity <id>", "activity ID of the recurring import job")
      .option("--entity <name>", "entity name as shown in the data project (file jobs)")
      .option("--company <id>", "legal entity (DataAreaId)")
      .option("--wait", "poll the status with backoff until it is terminal; on failure write the execution's error files beside FILE"),
  ).action(async (file: string, flags: ConnectionFlags & { activity: string; entity?: string; company?: string; wait?: boolean }) => {
    requireInputFile(file, "the file or data package to import");
    const result = await importFile({
      client: await createClient(resolveConnection(flags)),
      activityId: flags.activity,
      file,
      wait: flags.wait ?? false,
      onStatus: (status) => process.stderr.write(`status: ${status}\n`),
      ...(flags.entity !== undefined ? { entity: flags.entity } : {}),
      ...(flags.company !== undefined ? { company: flags.company } : {}),
    });
    printJson(result);
    if (result.errorFiles) reportErrorFiles(result.errorFiles);
    if (result.phase === "failed") {
      throw new CliError(`import ${result.messageId} ended as ${result.status}${result.errorFiles ? `; its error files are beside ${file}` : ""}`, ExitCode.failed);
    }
    if (result.timedOut) throw new CliError(`import ${result.messageId} still ${result.status} when the wait ended`, ExitCode.failed);
  });
}

/** Why a download's bytes may be short though nothing failed (DownloadResult.lengthUnchecked). */
const noLength = (result: DownloadResult) =>
  `the server sent the package with no length (no Content-Length, not chunked), so a cut-off transfer would look complete: ${result.bytes} bytes arrived`;

/** Writes a download to stdout, waiting whenever the pipe is full. Copies each chunk: a pipe may keep it queued. */
const stdoutSink: DownloadSink = {
  write: (chunk) => (process.stdout.write(Buffer.from(chunk)) ? undefined : once(process.stdout, "drain").then(() => undefined)),
  restart: () => {
    throw new CliError("the server sent the package again from its start after a broken transfer; stdout cannot be rewound, download to a file instead", ExitCode.failed);
  },
};

function readMessage(file: string): DequeueMessage {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(file === "-" ? 0 : file, "utf8"));
  } catch (err) {
    throw new CliError(`${file}: not a JSON dequeue result (${(err as Error).message})`, ExitCode.unreadable);
  }
  const message = parsed as Partial<DequeueMessage> | null;
  if (typeof message?.CorrelationId !== "string" || typeof message.PopReceipt !== "string") {
    throw new CliError(`${file}: expected a dequeue result with CorrelationId and PopReceipt`, ExitCode.unreadable);
  }
  return message as DequeueMessage;
}
