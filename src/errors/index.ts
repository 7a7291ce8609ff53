/**
 * One error base for everything the tool reports, each error with a stable `code` (as undici's errors
 * carry one), and one table from code to exit code that every command uses. The README's contract: 0 done,
 * 1 the input was read but is wrong or work is left undone, 2 the input could not be read (or the command
 * line could not be understood). A leaf module: it imports nothing.
 */
export const errorCodes = {
  /** A file, folder, archive or option that could not be read or used at all. */
  unreadable: "FNO_INPUT_UNREADABLE",
  /** An output location that must not be written (a file in the way, a folder of someone else's files). */
  outputLocation: "FNO_OUTPUT_LOCATION",
  /** Input that was read but is wrong: validation errors, an inconsistent solution, a bad setting. */
  invalid: "FNO_INPUT_INVALID",
  /** Something the tool does not implement (a policy template the gateway does not run). */
  unsupported: "FNO_UNSUPPORTED",
  /** The environment answered with an error, or could not be reached. */
  remote: "FNO_REMOTE",
  /** The command ran, but left work undone (messages still in the queue, an import that failed). */
  incomplete: "FNO_INCOMPLETE",
} as const;

export type ErrorCode = (typeof errorCodes)[keyof typeof errorCodes];

export const exitCodes: Readonly<Record<ErrorCode, 1 | 2>> = {
  FNO_INPUT_UNREADABLE: 2,
  FNO_OUTPUT_LOCATION: 2,
  FNO_INPUT_INVALID: 1,
  FNO_UNSUPPORTED: 1,
  FNO_REMOTE: 1,
  FNO_INCOMPLETE: 1,
};

/** The base of every error the tool raises on purpose: its message is meant for the user as it is. */
export class ToolError extends Error {
  readonly code: ErrorCode;
  constructor(code: ErrorCode, message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "ToolError";
    this.code = code;
  }
}

/** The exit code for any thrown value: a ToolError's by its code, anything else (a bug) 1. */
export function exitCodeOf(err: unknown): 1 | 2 {
  return err instanceof ToolError ? exitCodes[err.code] : 1;
}

/** What an errno means for a path, in words. */
export function fsReason(err: unknown): string {
  switch ((err as NodeJS.ErrnoException).code) {
    case "ENOENT":
      return "does not exist";
    case "EISDIR":
      return "is a folder";
    case "ENOTDIR":
      return "is under a file, not a folder";
    case "EACCES":
    case "EPERM":
      return "is not accessible (permission denied)";
    default:
      return (err as Error).message;
  }
}
