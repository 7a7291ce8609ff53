import { errorCodes, exitCodes, ToolError } from "../errors/index.ts";

/**
 * Exit codes shared by every command (src/errors holds the table from error code to exit code): 0 done,
 * 1 the input was read but is wrong (or the work failed), 2 the input could not be read or the command was misused.
 */
export const ExitCode = { ok: 0, failed: exitCodes[errorCodes.invalid], unreadable: exitCodes[errorCodes.unreadable] } as const;

/** An error a command raises itself, reported as one clear line and an exit code, without a stack trace. */
export class CliError extends ToolError {
  readonly exitCode: number;
  constructor(message: string, exitCode: number = ExitCode.failed) {
    super(exitCode === ExitCode.unreadable ? errorCodes.unreadable : errorCodes.invalid, message);
    this.name = "CliError";
    this.exitCode = exitCode;
  }
}
