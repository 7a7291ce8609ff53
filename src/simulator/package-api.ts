import type { BlobStore } from "./blob-store.ts";
import type { SimulatedClock } from "./clock.ts";
import { generatedPackage, type OpenedBody } from "./export-package.ts";
import { DEFAULT_ENTITY, defaultIds } from "./options.ts";
import {
  findRule,
  outcomeDetails,
  readPackage,
  schedule,
  statusAt,
  type DefinitionGroupOptions,
  type ExecutionSummaryStatus,
  type ExecutionTimings,
  type PackageExecution,
  type PackageOutcomeRule,
} from "./package-executions.ts";
import type { SeededRandom } from "./random.ts";

export interface PackageApiOptions {
  /** Data projects. Default: one export and one import project with the names in `defaultIds`. */
  definitionGroups?: DefinitionGroupOptions[];
  /** Seconds an execution stays `NotRun` (waiting for its batch). Default 2. */
  notRunSeconds?: number;
  /** Seconds it then stays `Executing`. Default 3. */
  executingSeconds?: number;
  /** Seconds GetImportTargetErrorKeysFileUrl answers "" after GenerateImportTargetErrorKeysFile. Default 2. */
  errorKeysFileSeconds?: number;
  /** Lifetime of GetAzureWriteUrl's SAS in seconds. Default 900. */
  writeUrlLifetimeSeconds?: number;
  /** Lifetime of the read SAS of packages and error files in seconds. Default 3600. */
  readUrlLifetimeSeconds?: number;
  /** Days blobs are kept before they are deleted. Default 7 (data-management-api). */
  retentionDays?: number;
  /**
   * Milliseconds an ImportFromPackage call takes before it answers (the real one copies the package and
   * schedules a batch). A second call for the same project while one is running is refused. Default 0.
   */
  importCallMs?: number;
  /** Answer ExportToPackage and GetExportedPackageUrl with the docs' nested `{"value":{"value":…}}`. Default false. */
  nestedValues?: boolean;
  /** Largest blob a PUT may upload, in bytes. Default: Put Blob's limit at the store's SAS version (64 MiB). */
  maxBlobBytes?: number;
  /** Largest block a Put Block may upload, in bytes. Default: Put Block's limit at the store's SAS version (4 MiB). */
  maxBlockBytes?: number;
  outcomes?: PackageOutcomeRule[];
}

/** An action that cannot be served: F&O answers with an OData error. */
export class ActionFailure extends Error {
  readonly status: number;
  constructor(status: number, message: string) {
    super(message);
    this.status = status;
  }
}

/** One ImportFromPackage call as the simulator saw it. */
export interface ImportCall {
  definitionGroupId: string;
  legalEntityId: string;
  packageUrl: string;
  execute: boolean;
  overwrite: boolean;
  /** The execution it started; null when the call was refused. */
  executionId: string | null;
  /** ISO times in simulated time. */
  receivedAt: string;
  answeredAt: string;
  /** Whether another call for the same project was still running when this one arrived (it is then refused). */
  overlapped: boolean;
  refusal: string | null;
}

/** An execution as the admin API and tests see it. */
export interface PackageExecutionState {
  executionId: string;
  direction: "export" | "import";
  definitionGroupId: string;
  legalEntityId: string;
  status: ExecutionSummaryStatus;
  startedAt: string;
  entities: string[];
  /** The package exported, or the one read for an import; null when there is none. */
  packageBlob: string | null;
  /** A recurring import's: the enqueued body's. */
  packageSha256: string | null;
  packageSize: number | null;
  /** The import job and message of a recurring import's execution; null for the package API's own. */
  activityId: string | null;
  messageId: string | null;
}

export interface ImportArguments {
  packageUrl: string;
  definitionGroupId: string;
  executionId: string;
  execute: boolean;
  overwrite: boolean;
  legalEntityId: string;
}

export interface ExportArguments {
  definitionGroupId: string;
  packageName: string;
  executionId: string;
  reExecute: boolean;
  legalEntityId: string;
}

/** The data projects of a simulator whose options name none. */
export const defaultDefinitionGroups: DefinitionGroupOptions[] = [
  { id: defaultIds.exportDefinitionGroupId, direction: "export" },
  { id: defaultIds.importDefinitionGroupId, direction: "import" },
];

const DEFAULT_DATA_BYTES = 4096;

/**
 * The data management package API's state: data projects, executions, import calls and the blobs they
 * use. Each action is a method; an execution's progress is computed from the simulated clock.
 */
export class PackageApi {
  readonly definitionGroups: DefinitionGroupOptions[];
  readonly nestedValues: boolean;
  readonly #blobs: BlobStore;
  readonly #clock: SimulatedClock;
  readonly #ids: SeededRandom;
  readonly #contentSeeds: SeededRandom;
  readonly #environmentUrl: string;
  readonly #timings: ExecutionTimings;
  readonly #errorKeysFileMs: number;
  readonly #writeUrlLifetimeMs: number;
  readonly #readUrlLifetimeMs: number;
  readonly #importCallMs: number;
  readonly #outcomes: PackageOutcomeRule[];
  /** By lower-case execution ID (F&O compares IDs without regard to case). */
  readonly #executions = new Map<string, PackageExecution>();
  readonly #importCalls: ImportCall[] = [];
  /** Lower-case names of the import projects with an ImportFromPackage call being served. */
  readonly #importsInFlight = new Set<string>();

  constructor(
    options: PackageApiOptions,
    deps: { blobs: BlobStore; clock: SimulatedClock; ids: SeededRandom; contentSeeds: SeededRandom; environmentUrl: string },
  ) {
    this.definitionGroups = options.definitionGroups ?? defaultDefinitionGroups;
    this.nestedValues = options.nestedValues ?? false;
    this.#blobs = deps.blobs;
    this.#clock = deps.clock;
    this.#ids = deps.ids;
    this.#contentSeeds = deps.contentSeeds;
    this.#environmentUrl = deps.environmentUrl;
    this.#timings = { notRunMs: (options.notRunSeconds ?? 2) * 1000, executingMs: (options.executingSeconds ?? 3) * 1000 };
    this.#errorKeysFileMs = (options.errorKeysFileSeconds ?? 2) * 1000;
    this.#writeUrlLifetimeMs = (options.writeUrlLifetimeSeconds ?? 900) * 1000;
    this.#readUrlLifetimeMs = (options.readUrlLifetimeSeconds ?? 3600) * 1000;
    this.#importCallMs = options.importCallMs ?? 0;
    this.#outcomes = options.outcomes ?? [];
  }

  groupIds(direction: "export" | "import"): string[] {
    return this.definitionGroups.filter((group) => group.direction === direction).map((group) => group.id);
  }

  /** GetAzureWriteUrl: a JSON string of `{BlobId, BlobUrl}` (the value a client parses a second time). */
  azureWriteUrl(uniqueFileName: string, now: number): string {
    const blobId = this.#ids.guid();
    const name = uniqueFileName === "" ? blobId : uniqueFileName;
    return JSON.stringify({ BlobId: `{${blobId.toUpperCase()}}`, BlobUrl: this.#blobs.sasUrl(name, "w", now, this.#writeUrlLifetimeMs) });
  }

  /**
   * ImportFromPackage (and its Async variant): reads the uploaded package now and starts an execution whose
   * outcome shows once it has run. A call for a project with another call still being served is refused.
   */
  async importFromPackage(args: ImportArguments): Promise<string> {
    const receivedAt = this.#clock.now();
    const group = this.#group(args.definitionGroupId);
    const key = args.definitionGroupId.toLowerCase();
    const overlapped = this.#importsInFlight.has(key);
    const record = (executionId: string | null, refusal: string | null) =>
      this.#importCalls.push({
        definitionGroupId: args.definitionGroupId,
        legalEntityId: args.legalEntityId,
        packageUrl: args.packageUrl,
        execute: args.execute,
        overwrite: args.overwrite,
        executionId,
        receivedAt: new Date(receivedAt).toISOString(),
        answeredAt: new Date(this.#clock.now()).toISOString(),
        overlapped,
        refusal,
      });
    const refuse = (status: number, message: string): never => {
      record(null, message);
      throw new ActionFailure(status, message);
    };
    if (!group) return refuse(400, `The data project '${args.definitionGroupId}' does not exist.`);
    if (group.direction !== "import") return refuse(400, `The data project '${args.definitionGroupId}' is an export project; ImportFromPackage needs an import project.`);
    if (overlapped) {
      return refuse(500, `An import into data project '${group.id}' is already being started; ImportFromPackage must not be called in parallel for the same project.`);
    }
    const executionId = this.#newExecutionId(args.executionId);
    if (this.#executions.has(executionId.toLowerCase())) return refuse(500, `An execution with the ID '${executionId}' already exists.`);
    this.#importsInFlight.add(key);
    try {
      if (this.#importCallMs > 0) await this.#clock.sleep(this.#importCallMs);
      const blobName = this.#blobs.nameOf(args.packageUrl);
      const blob = blobName === undefined ? undefined : this.#blobs.get(blobName, this.#clock.now());
      const reading = blob ? await readPackage(blob.bytes) : { ok: false as const, error: `No package could be read from '${args.packageUrl}'.` };
      const entities = reading.ok ? reading.entities : [];
      const rule = findRule(this.#outcomes, { direction: "import", definitionGroupId: group.id, legalEntityId: args.legalEntityId, entities });
      const outcome = reading.ok ? (rule?.status ?? "Succeeded") : "Failed";
      const details = reading.ok ? outcomeDetails(outcome, rule, "import", entities) : { errors: [{ RecordId: "", Field: "", ErrorMessage: reading.error }], entityErrors: [] };
      this.#executions.set(executionId.toLowerCase(), {
        executionId,
        direction: "import",
        definitionGroupId: group.id,
        legalEntityId: args.legalEntityId,
        ...schedule(this.#clock.now(), this.#timings),
        outcome,
        entities,
        ...details,
        packageBlob: blob?.name,
        packageSha256: blob?.sha256,
        packageSize: blob?.bytes.length,
        errorKeysFiles: new Map(),
        message: undefined,
      });
      record(executionId, null);
      return executionId;
    } finally {
      this.#importsInFlight.delete(key);
    }
  }

  /**
   * ExportToPackage (and its Async variant). A project name F&O does not know is not refused: the call
   * answers an execution ID for which no execution exists (MicrosoftDocs issue #1030, RIS issue #71).
   */
  async exportToPackage(args: ExportArguments): Promise<string> {
    const now = this.#clock.now();
    const executionId = this.#newExecutionId(args.executionId);
    const group = this.#group(args.definitionGroupId);
    if (!group || group.direction !== "export") return executionId;
    const existing = this.#executions.get(executionId.toLowerCase());
    if (existing && !args.reExecute) throw new ActionFailure(500, `An execution with the ID '${executionId}' already exists; set reExecute to run it again.`);
    const entities = group.entities ?? [DEFAULT_ENTITY];
    const rule = findRule(this.#outcomes, { direction: "export", definitionGroupId: group.id, legalEntityId: args.legalEntityId, entities });
    const outcome = rule?.status ?? "Succeeded";
    const execution: PackageExecution = {
      executionId,
      direction: "export",
      definitionGroupId: group.id,
      legalEntityId: args.legalEntityId,
      ...schedule(now, this.#timings),
      outcome,
      entities,
      ...outcomeDetails(outcome, rule, "export", entities),
      packageBlob: undefined,
      packageSha256: undefined,
      packageSize: undefined,
      errorKeysFiles: new Map(),
      message: undefined,
    };
    if (outcome === "Succeeded" || outcome === "PartiallySucceeded") {
      const opened = await generatedPackage({ entity: entities, dataBytes: group.dataBytes ?? DEFAULT_DATA_BYTES, contentSeed: this.#contentSeeds.nextUint32() }).open();
      const name = `${this.#ids.guid()}.zip`;
      const blob = this.#blobs.put(name, "export-package", await collect(opened), now, execution.finishesAt);
      Object.assign(execution, { packageBlob: blob.name, packageSha256: blob.sha256, packageSize: blob.bytes.length });
    }
    this.#executions.set(executionId.toLowerCase(), execution);
    return executionId;
  }

  /** GetExportedPackageUrl: "" until the export's package exists, then a read SAS URL. */
  exportedPackageUrl(executionId: string, now: number): string {
    const execution = this.#execution(executionId);
    const status = statusAt(execution, now);
    if (!execution.packageBlob || execution.direction !== "export" || (status !== "Succeeded" && status !== "PartiallySucceeded")) return "";
    return this.#blobs.sasUrl(execution.packageBlob, "r", now, this.#readUrlLifetimeMs);
  }

  /**
   * Adds the execution a recurring import's message runs in (import-queue.ts builds it): from then on every
   * execution action answers for it as for the package API's own, which is what GetExecutionIdByMessageId is for.
   */
  addRecurringImport(execution: PackageExecution): void {
    this.#executions.set(execution.executionId.toLowerCase(), execution);
  }

  summaryStatus(executionId: string, now: number): ExecutionSummaryStatus {
    return statusAt(this.#execution(executionId), now);
  }

  /** GetExecutionErrors: the errors as a JSON string once the execution has ended, "[]" before. */
  executionErrors(executionId: string, now: number): string {
    const execution = this.#execution(executionId);
    return JSON.stringify(this.#finished(execution, now) ? execution.errors : []);
  }

  /** GenerateImportTargetErrorKeysFile: true, and the file generation started, when the entity has error keys. */
  generateErrorKeysFile(executionId: string, entityName: string, now: number): boolean {
    const execution = this.#execution(executionId);
    const lines = this.#finished(execution, now) ? this.#entityErrors(execution, entityName)?.errorKeys : undefined;
    if (!lines || lines.length === 0) return false;
    const key = entityName.toLowerCase();
    if (!execution.errorKeysFiles.has(key)) {
      const name = `${this.#ids.guid()}-ErrorKeys.csv`;
      this.#blobs.put(name, "error-keys", csv(lines), now, now + this.#errorKeysFileMs);
      execution.errorKeysFiles.set(key, { blob: name, requestedAt: now });
    }
    return true;
  }

  /** GetImportTargetErrorKeysFileUrl: "" until the generated file is there (or when none was asked for), then its URL. */
  errorKeysFileUrl(executionId: string, entityName: string, now: number): string {
    const file = this.#execution(executionId).errorKeysFiles.get(entityName.toLowerCase());
    if (!file || now < file.requestedAt + this.#errorKeysFileMs) return "";
    return this.#blobs.sasUrl(file.blob, "r", now, this.#readUrlLifetimeMs);
  }

  /** GetImportStagingErrorFileUrl: the staging error file's URL, "" when the entity has none. */
  stagingErrorFileUrl(executionId: string, entityName: string, now: number): string {
    const execution = this.#execution(executionId);
    const lines = this.#finished(execution, now) ? this.#entityErrors(execution, entityName)?.stagingErrors : undefined;
    if (!lines || lines.length === 0) return "";
    const name = `${execution.executionId}-${entityName}-StagingErrors.csv`;
    if (!this.#blobs.get(name, now)) this.#blobs.put(name, "staging-errors", csv(lines), now);
    return this.#blobs.sasUrl(name, "r", now, this.#readUrlLifetimeMs);
  }

  /** GetExecutionSummaryPageUrl: the F&O page that shows the execution (the form and query are the simulator's). */
  summaryPageUrl(executionId: string): string {
    const execution = this.#execution(executionId);
    // Without a company (an enqueue without one) the page opens in the user's default company.
    const query = new URLSearchParams({ ...(execution.legalEntityId === "" ? {} : { cmp: execution.legalEntityId }), mi: "DMFExecutionSummary", executionId: execution.executionId });
    return `${this.#environmentUrl}/?${query}`;
  }

  executions(now: number): PackageExecutionState[] {
    return [...this.#executions.values()].map((execution) => ({
      executionId: execution.executionId,
      direction: execution.direction,
      definitionGroupId: execution.definitionGroupId,
      legalEntityId: execution.legalEntityId,
      status: statusAt(execution, now),
      startedAt: new Date(execution.startedAt).toISOString(),
      entities: execution.entities,
      packageBlob: execution.packageBlob ?? null,
      packageSha256: execution.packageSha256 ?? null,
      packageSize: execution.packageSize ?? null,
      activityId: execution.message?.activityId ?? null,
      messageId: execution.message?.messageId ?? null,
    }));
  }

  importCalls(): ImportCall[] {
    return structuredClone(this.#importCalls);
  }

  #group(id: string): DefinitionGroupOptions | undefined {
    return this.definitionGroups.find((group) => group.id.toLowerCase() === id.toLowerCase());
  }

  /** The given execution ID, or a new one when it is empty (the docs: F&O then creates one). */
  #newExecutionId(given: string): string {
    return given.trim() === "" ? this.#ids.guid() : given;
  }

  /** The execution, or F&O's error for an ID it has no execution for (RIS issue #71). */
  #execution(executionId: string): PackageExecution {
    const execution = this.#executions.get(executionId.toLowerCase());
    if (!execution) throw new ActionFailure(500, `Execution details were not found for execution id: ${executionId}`);
    return execution;
  }

  #finished(execution: PackageExecution, now: number): boolean {
    return now >= execution.finishesAt;
  }

  #entityErrors(execution: PackageExecution, entityName: string) {
    return execution.entityErrors.find((files) => files.entity.toLowerCase() === entityName.toLowerCase());
  }
}

function csv(lines: string[]): Buffer {
  return Buffer.from(lines.map((line) => `${line}\r\n`).join(""));
}

async function collect(opened: OpenedBody): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of opened.stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}
