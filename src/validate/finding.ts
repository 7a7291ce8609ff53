import type { SourcePosition } from "../spec/load.ts";

export type Severity = "error" | "warning";

/** One problem found in a connector, in the shape `validate --json` prints. */
export interface Finding {
  rule: string;
  severity: Severity;
  message: string;
  /** JSON pointer into the document named by `document`. */
  pointer: string;
  /** Which document the pointer is in. */
  document: "apiDefinition" | "apiProperties";
  file?: string;
  line?: number;
}

export type { SourcePosition };
