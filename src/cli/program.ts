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
  process.stderr.write(`fno-connector: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  return ExitCode.failed;
}
