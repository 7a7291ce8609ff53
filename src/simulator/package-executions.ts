import { readZip } from "../zip/index.ts";
import type { ExecutionError } from "./import-queue.ts";

/**
 * Data management package executions (ExportToPackage, ImportFromPackage) and their error files. As with
 * the recurring queues, nothing runs in the background: an execution's status is a function of its start
 * time and the simulated clock (`NotRun` → `Executing` → its outcome). The shapes and their evidence:
 * docs/platform-assumptions.md, "Data management package API".
 */

/** DMFExecutionSummaryStatus, as GetExecutionSummaryStatus names it. */
export type ExecutionSummaryStatus = "Unknown" | "NotRun" | "Executing" | "Succeeded" | "PartiallySucceeded" | "Failed" | "Canceled";

/** Final states an execution can be configured to reach. */
export type PackageOutcomeStatus = Exclude<ExecutionSummaryStatus, "NotRun" | "Executing">;

/** A data project (definition group) the package API can run. */
export interface DefinitionGroupOptions {
  /** The data project's name, which is what `definitionGroupId` carries. Compared case-insensitively. */
  id: string;
  direction: "export" | "import";
  /** Export projects: the entities in the package, one CSV each. Default: one, "Customers V3". */
  entities?: string[];
  /** Export projects: bytes of each entity's CSV. Default 4096. */
  dataBytes?: number;
}

/** The error files of one entity of an import: CSV lines, the first being the header. */
export interface EntityErrorFiles {
  entity: string;
  /** The target error keys file (GenerateImportTargetErrorKeysFile). */
  errorKeys?: string[];
  /** The staging error file (GetImportStagingErrorFileUrl). */
  stagingErrors?: string[];
}

/** Which executions end how; the first matching rule wins, default `Succeeded`. */
export interface PackageOutcomeRule {
  direction?: "export" | "import";
  definitionGroupId?: string;
  legalEntityId?: string;
  /** Matches when the package (import) or the project (export) has this entity. */
  entity?: string;
  status: PackageOutcomeStatus;
  /** What GetExecutionErrors reports; default: one generic error for a status other than Succeeded. */
  errors?: ExecutionError[];
  /** Error files per entity; default for PartiallySucceeded imports: one error key for every entity of the package. */
  entityErrors?: EntityErrorFiles[];
}

/** When an execution was created, when its batch starts running it (`NotRun` until then) and when it ends. */
export interface ExecutionSchedule {
  startedAt: number;
  executingFrom: number;
  finishesAt: number;
}

export interface PackageExecution extends ExecutionSchedule {
  executionId: string;
  direction: "export" | "import";
  /** The data project; "" for a recurring import, whose job's project the simulator does not model. */
  definitionGroupId: string;
  legalEntityId: string;
  outcome: PackageOutcomeStatus;
  errors: ExecutionError[];
  /** Entities of the package (import: from its manifest; export: the project's). */
  entities: string[];
  entityErrors: EntityErrorFiles[];
  /** Export: the package blob; import: the blob the package was read from (undefined if the URL named none). */
  packageBlob: string | undefined;
  packageSha256: string | undefined;
  packageSize: number | undefined;
  /** Error keys files requested with GenerateImportTargetErrorKeysFile, by lower-case entity name: the blob and when it was asked for. */
  errorKeysFiles: Map<string, { blob: string; requestedAt: number }>;
  /** The enqueued message a recurring import runs (import-queue.ts); undefined for the package API's own executions. */
  message: { activityId: string; messageId: string } | undefined;
}

export interface ExecutionTimings {
  notRunMs: number;
  executingMs: number;
}

/** An execution created at `startedAt` that waits `notRunMs` for its batch, then runs for `executingMs`. */
export function schedule(startedAt: number, timings: ExecutionTimings): ExecutionSchedule {
  const executingFrom = startedAt + timings.notRunMs;
  return { startedAt, executingFrom, finishesAt: executingFrom + timings.executingMs };
}

export function statusAt(execution: PackageExecution, now: number): ExecutionSummaryStatus {
  if (now < execution.executingFrom) return "NotRun";
  if (now < execution.finishesAt) return "Executing";
  return execution.outcome;
}

export function findRule(
  rules: readonly PackageOutcomeRule[],
  facts: { direction: "export" | "import"; definitionGroupId: string; legalEntityId: string; entities: string[] },
): PackageOutcomeRule | undefined {
  const same = (expected: string | undefined, actual: string) => expected === undefined || expected.toLowerCase() === actual.toLowerCase();
  return rules.find(
    (rule) =>
      (rule.direction === undefined || rule.direction === facts.direction) &&
      same(rule.definitionGroupId, facts.definitionGroupId) &&
      same(rule.legalEntityId, facts.legalEntityId) &&
      (rule.entity === undefined || facts.entities.some((entity) => same(rule.entity, entity))),
  );
}

/** The execution's errors and error files: the rule's, or defaults that fit its outcome. */
export function outcomeDetails(
  outcome: PackageOutcomeStatus,
  rule: PackageOutcomeRule | undefined,
  direction: "export" | "import",
  entities: string[],
): { errors: ExecutionError[]; entityErrors: EntityErrorFiles[] } {
  const errors =
    rule?.errors ??
    (outcome === "Succeeded" ? [] : [{ RecordId: "", Field: "", ErrorMessage: `Simulated ${outcome} ${direction} of ${entities.join(", ") || "the package"}.` }]);
  const entityErrors = rule?.entityErrors ?? (outcome === "PartiallySucceeded" && direction === "import" ? simulatedEntityErrors(entities, { staging: false }) : []);
  return { errors, entityErrors };
}

/** Default error files: one error key per entity (`SIM-0001`, …) and, with `staging`, a staging error line for it. */
export function simulatedEntityErrors(entities: readonly string[], options: { staging: boolean }): EntityErrorFiles[] {
  return entities.map((entity, index) => {
    const key = `SIM-${String(index + 1).padStart(4, "0")}`;
    return { entity, errorKeys: ["KEY", key], ...(options.staging ? { stagingErrors: ["KEY,ERROR", `${key},Simulated staging error.`] } : {}) };
  });
}

/** What reading an uploaded package found: its entities, or why it cannot be imported. */
export type PackageReading = { ok: true; entities: string[] } | { ok: false; error: string };

/**
 * Reads a package the way an import does: a zip with a `Manifest.xml` whose `EntityName` elements name the
 * entities. The error texts are the simulator's own (F&O's are not recorded).
 */
export async function readPackage(bytes: Buffer): Promise<PackageReading> {
  let entries: Map<string, Buffer>;
  try {
    entries = await readZip(bytes, "the package");
  } catch (err) {
    return { ok: false, error: `The package is not a valid zip file: ${(err as Error).message}` };
  }
  const manifest = [...entries].find(([name]) => name.toLowerCase() === "manifest.xml")?.[1];
  if (!manifest) return { ok: false, error: "The package has no Manifest.xml; a data package needs one to name its entities." };
  const entities = [...manifest.toString("utf8").matchAll(/<EntityName>([^<]*)<\/EntityName>/g)].map((match) => unescapeXml(match[1]!.trim()));
  if (entities.length === 0) return { ok: false, error: "The package's Manifest.xml names no entity (no EntityName element)." };
  return { ok: true, entities };
}

function unescapeXml(text: string): string {
  return text
    .replace(/&#(\d+);/g, (_, code: string) => String.fromCharCode(Number(code)))
    .replace(/&lt;/g, "<")
    .replace(/&gt;/g, ">")
    .replace(/&quot;/g, '"')
    .replace(/&apos;/g, "'")
    .replace(/&amp;/g, "&");
}
