/** The connector validator's public API: the compiler, the build script and the CLI use only this. */
export { validateDocuments, type DocumentLocators } from "./validate.ts";
export { validateDirectory, detectLayout, connectorLayouts, type ValidationReport, type ConnectorLayout } from "./directory.ts";
export { rules } from "./rules/index.ts";
export type { Finding, Severity } from "./finding.ts";
export type { Rule, Violation, ConnectorDocuments } from "./rule.ts";
