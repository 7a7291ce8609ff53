/** Options or admin input the simulator cannot use; names the JSON pointer of the offending value. */
export class SimulatorConfigError extends Error {
  readonly pointer: string;
  constructor(message: string, pointer = "") {
    super(pointer ? `${pointer}: ${message}` : message);
    this.name = "SimulatorConfigError";
    this.pointer = pointer;
  }
}
