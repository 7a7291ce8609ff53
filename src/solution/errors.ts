import { errorCodes, ToolError, type ErrorCode } from "../errors/index.ts";

/**
 * Input that was read but is wrong: the solution source, the compiled connector, an unpacked folder.
 * The message names the file (and element or JSON pointer) and says what to change. A package folder that
 * cannot be read at all is `unreadable`.
 */
export class SolutionError extends ToolError {
  constructor(message: string, code: ErrorCode = errorCodes.invalid) {
    super(code, message);
    this.name = "SolutionError";
  }
}
