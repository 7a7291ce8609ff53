import { errorCodes, ToolError } from "../errors/index.ts";

/** Options or admin input the simulator cannot use; names the JSON pointer of the offending value. */
export class SimulatorConfigError extends ToolError {
  readonly pointer: string;
  constructor(message: string, pointer = "") {
    super(errorCodes.unreadable, pointer ? `${pointer}: ${message}` : message);
    this.name = "SimulatorConfigError";
    this.pointer = pointer;
  }
}
