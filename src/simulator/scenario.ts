import { loadSpec } from "../spec/load.ts";
import type { SimulatorOptions } from "./options.ts";
import { findOptionsProblem } from "./schema.ts";
import { errorCodes, ToolError } from "../errors/index.ts";

/** A scenario file that parses but does not describe a simulator run; the message names file, line and pointer. */
export class ScenarioError extends ToolError {
  constructor(message: string) {
    super(errorCodes.unreadable, message);
    this.name = "ScenarioError";
  }
}

/**
 * Reads a scenario (YAML or JSON, the fields of `SimulatorOptions`). Unreadable files and syntax errors
 * throw `SpecLoadError`; content the simulator cannot use throws `ScenarioError` at the offending line.
 */
export function loadScenario(file: string): SimulatorOptions {
  const spec = loadSpec(file);
  const problem = findOptionsProblem(spec.value);
  if (problem) {
    const { pointer, message } = problem;
    const at = spec.locate(pointer);
    const where = at ? `${at.file}:${at.line}:${at.column}` : spec.file;
    throw new ScenarioError(`${where}: ${pointer || "(the document)"} ${message}`);
  }
  return spec.value as SimulatorOptions;
}
