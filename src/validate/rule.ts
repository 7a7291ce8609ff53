import type { Severity } from "./finding.ts";

/** A connector as the rules see it: the two documents of a package, already parsed. */
export interface ConnectorDocuments {
  /** `apiDefinition.swagger.json` (or the source YAML after `$ref` inlining). */
  definition: unknown;
  /** `apiProperties.json` (or the source YAML). Undefined when the package has none. */
  properties: unknown;
  /**
   * Keys written twice in one object of a file. The platform reads JSON with Newtonsoft, where the last value
   * wins, so the documents above hold the last value; the loader lists each repeat here for the duplicate-key rule.
   */
  duplicateKeys?: readonly { document: Violation["document"]; pointer: string }[];
}

/** What a rule reports; the runner adds the rule id, severity and source position. */
export interface Violation {
  message: string;
  pointer: string;
  document: "apiDefinition" | "apiProperties";
}

/** Where a rule's severity comes from: a page, schema or public pull request, with its address. */
export interface Evidence {
  /** What the source says, in a sentence (a quoted gate message where there is one). */
  says: string;
  url: string;
}

/**
 * One validation rule with the metadata docs/rules.md is generated from. A rule is an error only with
 * `evidence` that Power Platform rejects the input (Microsoft's documentation, its paconn schema, or a
 * certification gate message in a public pull request); otherwise it is a warning, and `evidence` says what
 * the advice rests on.
 */
export interface Rule {
  id: string;
  severity: Severity;
  /** What it checks, in one line. */
  doc: string;
  /** Why it matters, in a sentence or two. */
  why: string;
  evidence: readonly Evidence[];
  /** Small fragments of a definition or apiProperties (YAML) that fail and pass the rule. */
  example: { fail: string; pass: string };
  check(connector: ConnectorDocuments): Iterable<Violation>;
}
