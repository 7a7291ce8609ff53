import { Command, CommanderError } from "commander";
import { CliError, ExitCode } from "./errors.ts";
import { SpecLoadError } from "../spec/load.ts";
import { commandsFor } from "./commands/index.ts";

async function createProgram(args: readonly string[]): Promise<Command> {
  const program = new Command("fno-connector")
    .description("Build, validate and run the Dynamics 365 F&O recurring integrations connector")
    .showHelpAfterError()
    .exitOverride();
  for (const register of await commandsFor(args)) register(program);
  return program;
}

/** Runs one CLI invocation (`args` without node and script) and returns its exit code; npm scripts call this too. */
export async function runCli(args: readonly string[]): Promise<number> {
  try {
    await (await createProgram(args)).parseAsync([...args], { from: "user" });
    return ExitCode.ok;
  } catch (err) {
    return exitCodeFor(err);
  }
}

function exitCodeFor(err: unknown): number {
  if (err instanceof CommanderError) {
    // Help and version exit 0; usage mistakes are "could not read the input".
    return err.exitCode === 0 ? ExitCode.ok : ExitCode.unreadable;
  }
  if (err instanceof CliError || err instanceof SpecLoadError) {
    process.stderr.write(`fno-connector: ${err.message}\n`);
    return err instanceof CliError ? err.exitCode : ExitCode.unreadable;
  }
  // Anything else is reported by its message (an FnoError's carries the HTTP status, F&O's text and a hint);
  // FNO_DEBUG=1 adds the stack for bug reports.
  const text = err instanceof Error ? (process.env.FNO_DEBUG === "1" ? (err.stack ?? err.message) : err.message) : String(err);
  process.stderr.write(`fno-connector: ${text}\n`);
  return ExitCode.failed;
}
