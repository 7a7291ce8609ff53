import { Command, CommanderError } from "commander";
import { CliError, ExitCode } from "./errors.ts";
import { SpecLoadError } from "../spec/load.ts";
import { commands } from "./commands/index.ts";

const program = new Command("fno-connector")
  .description("Build, validate and run the Dynamics 365 F&O recurring integrations connector")
  .showHelpAfterError()
  .exitOverride();

for (const register of commands) register(program);

try {
  await program.parseAsync(process.argv);
} catch (err) {
  process.exitCode = exitCodeFor(err);
}

function exitCodeFor(err: unknown): number {
  if (err instanceof CommanderError) {
    // Help and version exit 0; usage mistakes are "could not read the input".
    return err.exitCode === 0 ? ExitCode.ok : ExitCode.unreadable;
  }
  if (err instanceof CliError) {
    process.stderr.write(`fno-connector: ${err.message}\n`);
    return err.exitCode;
  }
  if (err instanceof SpecLoadError) {
    process.stderr.write(`fno-connector: ${err.message}\n`);
    return ExitCode.unreadable;
  }
  process.stderr.write(`fno-connector: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  return ExitCode.failed;
}
