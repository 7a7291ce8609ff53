import { Command, CommanderError } from "commander";
import { exitCodeOf } from "../errors/index.ts";
import { ExitCode } from "./errors.ts";
import { commandsFor } from "./commands/index.ts";
import { givenSecrets, withoutCredentials } from "./secrets.ts";

async function createProgram(args: readonly string[], report: (text: string) => void): Promise<Command> {
  const program = new Command("fno-connector")
    .description("Build, validate and run the Dynamics 365 F&O recurring integrations connector")
    .showHelpAfterError()
    .configureOutput({ outputError: (text) => report(text) })
    .exitOverride();
  // Commands inherit the output configuration: their usage errors go through `report` too.
  for (const register of await commandsFor(args)) register(program);
  return program;
}

/** Runs one CLI invocation (`args` without node and script) and returns its exit code; npm scripts call this too. */
export async function runCli(args: readonly string[]): Promise<number> {
  // Whatever a failure's text holds (a server echoing a request, a value refused by fetch), no credential is printed.
  const secrets = givenSecrets(args, process.env);
  const report = (text: string) => process.stderr.write(withoutCredentials(text, secrets));
  try {
    await (await createProgram(args, report)).parseAsync([...args], { from: "user" });
    return ExitCode.ok;
  } catch (err) {
    return exitCodeFor(err, report);
  }
}

function exitCodeFor(err: unknown, report: (text: string) => void): number {
  if (err instanceof CommanderError) {
    // Help and version exit 0; usage mistakes are "could not read the input".
    return err.exitCode === 0 ? ExitCode.ok : ExitCode.unreadable;
  }
  // A ToolError's message is meant for the user as it is (an FnoError's carries the HTTP status, F&O's text
  // and a hint); anything else is a bug, reported by its message. FNO_DEBUG=1 adds the stack for bug reports.
  const text = err instanceof Error ? (process.env.FNO_DEBUG === "1" ? (err.stack ?? err.message) : err.message) : String(err);
  report(`fno-connector: ${text}\n`);
  return exitCodeOf(err);
}
