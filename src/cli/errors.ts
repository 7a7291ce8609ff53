/**
 * Exit codes shared by every command: 0 done, 1 the input was read but is wrong (or the work failed),
 * 2 the input could not be read or the command was misused.
 */
export const ExitCode = { ok: 0, failed: 1, unreadable: 2 } as const;

/** An error the CLI reports as one clear line and an exit code, without a stack trace. */
export class CliError extends Error {
  readonly exitCode: number;
  constructor(message: string, exitCode: number = ExitCode.failed) {
    super(message);
    this.name = "CliError";
    this.exitCode = exitCode;
  }
}
