import type { Severity } from "./finding.ts";

/** A connector as the rules see it: the two documents of a package, already parsed. */
export interface ConnectorDocuments {
  /** `apiDefinition.swagger.json` (or the source YAML after `$ref` inlining). */
  definition: unknown;
  /** `apiProperties.json` (or the source YAML). Undefined when the package has none. */
  properties: unknown;
}

/** What a rule reports; the runner adds the rule id, severity and source position. */
export interface Violation {
  message: string;
  pointer: string;
  document: "apiDefinition" | "apiProperties";
}

/** One validation rule: an id, a severity, a one-line doc and a pure check. */
export interface Rule {
  id: string;
  severity: Severity;
  doc: string;
  check(connector: ConnectorDocuments): Iterable<Violation>;
}
