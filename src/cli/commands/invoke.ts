import { readFileSync } from "node:fs";
import path from "node:path";
import { Readable, Writable } from "node:stream";
import { pipeline } from "node:stream/promises";
import type { Command } from "commander";
import { invoke, loadPackage, parameterValuesFromText, splitAssignment, type InvokeResult } from "../../gateway/index.ts";
import { unreachableText } from "../../client/errors.ts";
import { CliError, ExitCode } from "../errors.ts";
import { fsReason } from "../../errors/index.ts";
import { requireInputFile, requireOutputFile } from "../paths.ts";
import { streamInto, writeFileThroughPartial } from "../../workflows/package-store.ts";

interface InvokeFlags {
  package: string;
  param: string[];
  connection: string[];
  bodyFile?: string;
  out?: string;
  json?: boolean;
}

const collect = (value: string, previous: string[]) => [...previous, value];

export function registerInvoke(program: Command): void {
  program
    .command("invoke <operationId>")
    .description("Run one operation of the compiled connector the way the Power Platform gateway does (policies included)")
    .option("--package <dir>", "compiled connector folder", "dist/connector")
    .option("--param <name=value>", "an operation parameter; JSON for object bodies (repeatable)", collect, [])
    .option("--connection <name=value>", "a connection parameter, e.g. token=<access token>, token:resourceUri=<environment URL> (repeatable)", collect, [])
    .option("--body-file <file>", "the operation's body from a file (bytes for a binary body, JSON otherwise)")
    .option("--out <file>", "write a binary output to this file instead of stdout")
    .option("--json", "print status, headers and outputs as JSON")
    .action(run);
}

async function run(operationId: string, flags: InvokeFlags): Promise<void> {
  if (flags.out !== undefined) requireOutputFile(flags.out, "--out");
  const pkg = loadPackage(path.resolve(flags.package));
  const texts = Object.fromEntries(flags.param.map((text) => splitAssignment(text, "--param")));
  const connection = Object.fromEntries(flags.connection.map((text) => splitAssignment(text, "--connection")));
  const bodyFile = flags.bodyFile === undefined ? undefined : readInput(flags.bodyFile);
  const parameters = parameterValuesFromText(pkg, operationId, texts, bodyFile);
  const result = await invoke(pkg, operationId, { parameters, connection }, { binary: "stream", fetch: fetchNamingUrl(operationId) });
  if (result.outputs instanceof ReadableStream) {
    if (flags.json && flags.out === undefined) {
      // A binary output cannot share stdout with the JSON summary.
      await result.outputs.cancel();
      throw new CliError("the output is binary: add --out <file> to use --json", ExitCode.unreadable);
    }
    // fetch decodes a Content-Encoding, and Content-Length counts the encoded bytes: then there is no length to check.
    const encoding = result.headers["content-encoding"];
    const length = encoding !== undefined && encoding !== "identity" ? undefined : result.headers["content-length"];
    const bytes = await writeBinary(result.outputs, flags.out, length === undefined ? undefined : Number(length));
    if (flags.json) printJson(result, { file: flags.out, bytes });
    return;
  }
  if (flags.json) printJson(result, result.outputs);
  else if (result.outputs === undefined) process.stderr.write(`HTTP ${result.status}: no outputs\n`);
  else process.stdout.write(JSON.stringify(result.outputs, null, 2) + "\n");
}

function printJson(result: InvokeResult, outputs: unknown): void {
  process.stdout.write(JSON.stringify({ status: result.status, headers: result.headers, outputs: outputs ?? null }, null, 2) + "\n");
}

/** Streams a binary output to `file` through a temporary name (its length checked against Content-Length), or to stdout. */
async function writeBinary(stream: ReadableStream<Uint8Array>, file: string | undefined, contentLength: number | undefined): Promise<number> {
  if (file !== undefined) {
    try {
      return await writeFileThroughPartial(file, (sink) => streamInto(sink, stream, contentLength));
    } catch (err) {
      throw new CliError(`cannot write ${file}: ${(err as Error).message}`, ExitCode.failed);
    }
  }
  let bytes = 0;
  const source = Readable.fromWeb(stream as import("node:stream/web").ReadableStream<Uint8Array>).on("data", (chunk: Buffer) => {
    bytes += chunk.length;
  });
  await pipeline(source, new Writable({ write: (chunk, _encoding, done) => process.stdout.write(chunk, done) }));
  return bytes;
}

function readInput(file: string): Uint8Array {
  requireInputFile(file, "the operation's body as a file");
  try {
    return readFileSync(file);
  } catch (err) {
    throw new CliError(`cannot read ${file}: it ${fsReason(err)}`, ExitCode.unreadable);
  }
}

/** fetch, whose failure to get any answer says which server could not be reached and why (fetch says only "fetch failed"). */
function fetchNamingUrl(operationId: string): typeof fetch {
  return async (input, init) => {
    try {
      return await globalThis.fetch(input, init);
    } catch (err) {
      if (init?.signal?.aborted) throw err;
      const url = input instanceof Request ? input.url : String(input);
      throw new CliError(`operation ${operationId}: ${unreachableText(url, err)}`, ExitCode.failed);
    }
  };
}
