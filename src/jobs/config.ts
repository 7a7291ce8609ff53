/**
 * jobs.yaml: the environments the runner signs in to and the jobs it runs on them. Read with the project's
 * YAML loader (so every problem names its line), checked with a JSON Schema (ajv) and each job's keys with its
 * kind's own schema. Secrets are never in the file: each is named by an environment variable or a file, and
 * read when a job runs, so a rotated secret file is picked up and one environment's missing secret does not
 * stop the jobs of another. A problem confined to one job's entry makes that job unrunnable, not the file: the
 * other jobs still run (the issue's "a job whose configuration is wrong is reported and the others keep running").
 */
import path from "node:path";
import { Ajv, type ErrorObject, type ValidateFunction } from "ajv";
import { errorCodes, ToolError } from "../errors/index.ts";
import { loadSpec, readSourceText, type LoadedSpec } from "../spec/load.ts";
import { joinPointer, splitPointer } from "../spec/pointer.ts";
import type { JobKind } from "./kind.ts";
import { jobKinds } from "./kinds/index.ts";
import { Schedule } from "./schedule.ts";

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- settings and state types differ per kind; the kind's schema is their check.
export type AnyJobKind = JobKind<any, any>;

export type SecretSource = { env: string } | { file: string };

export interface EnvironmentConfig {
  name: string;
  url: string;
  tenant: string;
  clientId: string;
  clientSecret: SecretSource;
  authorityHost: string | undefined;
  /** Where the environment is written, `file:line:column`, for errors found while running. */
  where: string;
}

export interface JobConfig {
  name: string;
  kind: AnyJobKind;
  environment: EnvironmentConfig;
  schedule: Schedule;
  /** The job's own keys (all but the runner's), as its kind's schema accepted them. */
  settings: Record<string, unknown>;
  where: string;
  /** Where each of its own keys is written, `file:line:column`, for problems found after loading (its folder). */
  settingsWhere: Record<string, string>;
}

export const logFormats = ["text", "json"] as const;
export type LogFormat = (typeof logFormats)[number];
export const logLevels = ["info", "warn", "error"] as const;
export type LogLevel = (typeof logLevels)[number];

/** A job whose entry is wrong: it never runs (nothing of it is touched) and is reported; the other jobs run. */
export interface UnrunnableJob {
  name: string;
  /** The entry's kind, environment, schedule and time zone as written, where they are strings (for `jobs`). */
  written: { kind?: string; environment?: string; schedule?: string; timezone?: string };
  /** One line per problem, each `file:line:column: key (pointer): what is wrong`. */
  problems: string[];
}

export interface JobsConfig {
  file: string;
  /** One durable state file per job lives here. */
  stateDir: string;
  environments: Map<string, EnvironmentConfig>;
  /** The jobs that can run. */
  jobs: JobConfig[];
  /** The jobs whose entries are wrong, in the file's order. */
  unrunnable: UnrunnableJob[];
  log: { format: LogFormat; level: LogLevel };
  /** Jobs running at once; more wait for a free slot. */
  maxConcurrentJobs: number;
  /** How long a shutdown waits for running jobs to finish their step. */
  shutdownGraceSeconds: number;
}

/** The state folder when the file names none: beside the configuration. */
export const defaultStateDirName = ".fno-jobs";

/** The keys of a job the runner reads; every other key belongs to the job's kind. */
export const runnerJobKeys = ["kind", "environment", "schedule", "timezone"] as const;

/** Job and environment names become file names and log fields: plain, short, no path separators. */
const namePattern = "^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$";

/** True when `name` can name a job's folder in the state folder (an unrunnable job's name may not). */
export function isUsableName(name: string): boolean {
  return new RegExp(namePattern).test(name);
}

const secretSource = {
  type: "object",
  minProperties: 1,
  maxProperties: 1,
  additionalProperties: false,
  properties: {
    env: { type: "string", pattern: "^[A-Za-z_][A-Za-z0-9_]*$" },
    file: { type: "string", minLength: 1 },
  },
};

const configSchema = {
  type: "object",
  required: ["environments", "jobs"],
  additionalProperties: false,
  properties: {
    state: { type: "string", minLength: 1 },
    log: {
      type: "object",
      additionalProperties: false,
      properties: { format: { enum: [...logFormats] }, level: { enum: [...logLevels] } },
    },
    maxConcurrentJobs: { type: "integer", minimum: 1, maximum: 64 },
    shutdownGraceSeconds: { type: "integer", minimum: 1, maximum: 3600 },
    environments: {
      type: "object",
      minProperties: 1,
      propertyNames: { pattern: namePattern },
      additionalProperties: {
        type: "object",
        required: ["url", "tenant", "clientId", "clientSecret"],
        additionalProperties: false,
        properties: {
          url: { type: "string", minLength: 1 },
          tenant: { type: "string", minLength: 1 },
          clientId: { type: "string", minLength: 1 },
          clientSecret: secretSource,
          authorityHost: { type: "string", minLength: 1 },
        },
      },
    },
    jobs: {
      type: "object",
      minProperties: 1,
      propertyNames: { pattern: namePattern },
      additionalProperties: {
        type: "object",
        required: ["kind", "environment", "schedule"],
        properties: {
          kind: { type: "string" },
          environment: { type: "string" },
          schedule: { type: "string" },
          timezone: { type: "string" },
        },
      },
    },
  },
};

interface RawEnvironment {
  url: string;
  tenant: string;
  clientId: string;
  clientSecret: SecretSource;
  authorityHost?: string;
}

interface RawConfig {
  state?: string;
  log?: { format?: LogFormat; level?: LogLevel };
  maxConcurrentJobs?: number;
  shutdownGraceSeconds?: number;
  environments: Record<string, RawEnvironment>;
  jobs: Record<string, { kind: string; environment: string; schedule: string; timezone?: string; [key: string]: unknown }>;
}

/** One thing wrong with the file, at a JSON pointer. */
interface Problem {
  pointer: string;
  message: string;
}

/** A jobs.yaml that was read but is wrong; the message holds one line per problem, each with file, line and key. */
export class JobsConfigError extends ToolError {
  constructor(message: string) {
    super(errorCodes.invalid, message);
    this.name = "JobsConfigError";
  }
}

/** Why a job of the file does not run: one line, each problem with its file, line and key. */
export function unrunnableError(file: string, job: UnrunnableJob): JobsConfigError {
  return new JobsConfigError(`job '${job.name}' in ${file} cannot run (the other jobs can): ${job.problems.join("; ")}`);
}

/** A problem found while running (a secret that cannot be read), named by where the file sets it. */
export class JobSetupError extends ToolError {
  constructor(code: typeof errorCodes.invalid | typeof errorCodes.unreadable, message: string) {
    super(code, message);
    this.name = "JobSetupError";
  }
}

// allErrors: an admin fixing the file sees every problem at once; the schema has no oneOf to cascade from.
// verbose: errors carry their schema, so an unknown key's error can list the keys allowed there.
const ajv = new Ajv({ allErrors: true, strict: true, verbose: true });
const validateConfig = ajv.compile(configSchema);
const settingsValidators = new WeakMap<AnyJobKind, ValidateFunction>();

/** `environments.prod.clientSecret (/environments/prod/clientSecret)`: the key as an admin reads it, and the exact pointer. */
function keyName(pointer: string): string {
  return pointer === "" ? "(the document)" : `${splitPointer(pointer).join(".")} (${pointer})`;
}

function whereIs(spec: LoadedSpec, pointer: string): string {
  const at = spec.locate(pointer);
  return at ? `${at.file}:${at.line}:${at.column}` : spec.file;
}

/**
 * Reads and checks a jobs file. A file that cannot be read or parsed (duplicate keys among them) throws a
 * SpecLoadError (exit 2). A problem with the file as a whole (its top-level keys, the environments section) or
 * with every job throws a JobsConfigError (exit 1) listing every problem with its file, line and key. A problem
 * confined to one job's entry (its kind, schedule, time zone, environment name, its own keys, its name) makes
 * only that job unrunnable: it is listed in `unrunnable` with its problems, and the other jobs load. Nothing is
 * created or written: the state folder is only named here.
 */
export function loadJobsConfig(file: string, kinds: readonly AnyJobKind[] = jobKinds): JobsConfig {
  const spec = loadSpec(file, { externalRefs: "keep" });
  const value = spec.value;
  const problems = [...literalSecrets(value), ...schemaProblems(validateConfig, value, "")];
  const fileWide = problems.filter((p) => jobOf(p.pointer) === undefined);
  if (fileWide.length === 0) problems.push(...crossProblems(value as RawConfig, kinds));
  const line = (p: Problem) => `${whereIs(spec, p.pointer)}: ${keyName(p.pointer)}: ${p.message}`;
  const jobs = fileWide.length === 0 ? Object.keys((value as RawConfig).jobs) : [];
  const unrunnable = new Map<string, string[]>();
  for (const p of problems) {
    const job = jobOf(p.pointer);
    if (job !== undefined) unrunnable.set(job, [...(unrunnable.get(job) ?? []), line(p)]);
  }
  if (fileWide.length > 0 || jobs.every((name) => unrunnable.has(name))) {
    const what = fileWide.length > 0 ? "is not a valid jobs file" : "has no job that can run";
    throw new JobsConfigError(`${spec.file} ${what}:\n  ${problems.map(line).join("\n  ")}`);
  }
  return build(spec, value as RawConfig, kinds, unrunnable);
}

/** A problem with one of a job's own keys found after loading, in the form of the loader's: `file:line:column: key (pointer): what`. */
export function settingProblem(job: JobConfig, key: string, message: string): string {
  return `${job.settingsWhere[key] ?? job.where}: ${keyName(joinPointer("/jobs", job.name, key))}: ${message}`;
}

/** The job a problem's pointer is inside (`/jobs/<name>/...`), or undefined for a problem of the file as a whole. */
function jobOf(pointer: string): string | undefined {
  const [section, job] = splitPointer(pointer);
  return section === "jobs" ? job : undefined;
}

/** A secret written into the file itself: refused, without repeating its value. */
function literalSecrets(value: unknown): Problem[] {
  const environments = (value as { environments?: unknown } | null)?.environments;
  if (environments === null || typeof environments !== "object") return [];
  return Object.entries(environments as Record<string, unknown>).flatMap(([name, environment]) => {
    const secret = (environment as { clientSecret?: unknown } | null)?.clientSecret;
    if (secret === undefined || secret === null || typeof secret === "object") return [];
    return [
      {
        pointer: joinPointer("/environments", name, "clientSecret"),
        message: "a secret is never written in the jobs file (it would be in backups and version control); use { env: VARIABLE } or { file: PATH }",
      },
    ];
  });
}

/** `runnerKeys`: keys besides the schema's own that are allowed where the value sits (a job's, beside its kind's). */
function schemaProblems(validate: ValidateFunction, value: unknown, base: string, runnerKeys: readonly string[] = []): Problem[] {
  if (validate(value)) return [];
  return (validate.errors ?? [])
    // A literal secret also fails its schema; literalSecrets already said it better. A bad name fails its
    // pattern inside propertyNames too; the propertyNames error names the key.
    .filter((e) => !(e.instancePath.endsWith("/clientSecret") && e.keyword === "type") && !e.schemaPath.includes("/propertyNames/"))
    .map((e) => describe(e, base, e.instancePath === "" ? runnerKeys : []));
}

function describe(error: ErrorObject, base: string, runnerKeys: readonly string[]): Problem {
  const at = base + error.instancePath;
  const params = error.params as Record<string, unknown>;
  switch (error.keyword) {
    case "additionalProperties": {
      const allowed = [...runnerKeys, ...Object.keys((error.parentSchema as { properties?: object } | undefined)?.properties ?? {})];
      return {
        pointer: joinPointer(at, String(params.additionalProperty)),
        message: `'${String(params.additionalProperty)}' is not a key here${allowed.length > 0 ? `; the keys are: ${allowed.join(", ")}` : ""}`,
      };
    }
    case "required":
      return { pointer: joinPointer(at, String(params.missingProperty)), message: `'${String(params.missingProperty)}' is missing` };
    case "propertyNames":
      return { pointer: joinPointer(at, String(params.propertyName)), message: `'${String(params.propertyName)}' is not a usable name: letters, digits, '.', '_' and '-', at most 64` };
    case "enum":
      return { pointer: at, message: `must be one of ${(params.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(", ")}` };
    case "pattern":
      return { pointer: at, message: `does not have the expected form (${String(params.pattern)})` };
    case "minProperties":
    case "maxProperties":
      return at.endsWith("/clientSecret")
        ? { pointer: at, message: "must be exactly one of { env: VARIABLE } or { file: PATH }" }
        : { pointer: at, message: error.message ?? "is not valid" };
    default:
      return { pointer: at, message: error.message ?? "is not valid" };
  }
}

/**
 * What the schema cannot say: kinds, environments named by jobs, cron expressions, each job's own keys. Checked
 * for every job entry that is an object, on the keys that are strings (the schema reports the others).
 */
function crossProblems(raw: RawConfig, kinds: readonly AnyJobKind[]): Problem[] {
  const problems: Problem[] = [];
  const environmentNames = Object.keys(raw.environments);
  for (const [name, entry] of Object.entries(raw.jobs)) {
    if (entry === null || typeof entry !== "object" || Array.isArray(entry)) continue;
    const job = entry as Record<string, unknown>;
    const at = joinPointer("/jobs", name);
    if (typeof job.kind === "string") {
      const kind = kinds.find((k) => k.kind === job.kind);
      if (!kind) {
        const known = kinds.map((k) => k.kind);
        problems.push({
          pointer: joinPointer(at, "kind"),
          message: `'${job.kind}' is not a job kind; ${known.length > 0 ? `the kinds are: ${known.join(", ")}` : "no job kinds are available"}`,
        });
      } else {
        problems.push(...schemaProblems(settingsValidator(kind), settingsOf(job), at, runnerJobKeys));
      }
    }
    if (typeof job.environment === "string" && !environmentNames.includes(job.environment)) {
      problems.push({ pointer: joinPointer(at, "environment"), message: `'${job.environment}' is not an environment of this file; they are: ${environmentNames.join(", ")}` });
    }
    if (typeof job.schedule === "string" && (job.timezone === undefined || typeof job.timezone === "string")) {
      try {
        new Schedule(job.schedule, job.timezone);
      } catch (err) {
        const timezoneWrong = job.timezone !== undefined && (err as Error).message.includes("time zone");
        problems.push({ pointer: joinPointer(at, timezoneWrong ? "timezone" : "schedule"), message: (err as Error).message });
      }
    }
  }
  return problems;
}

function settingsValidator(kind: AnyJobKind): ValidateFunction {
  let validate = settingsValidators.get(kind);
  if (!validate) {
    validate = ajv.compile(kind.settingsSchema);
    settingsValidators.set(kind, validate);
  }
  return validate;
}

function settingsOf(job: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(job).filter(([key]) => !(runnerJobKeys as readonly string[]).includes(key)));
}

/** A job's relative `folder` (every kind's key for its files) resolved as `state:` and secret files are: against the jobs file's folder. */
function withFolderResolved(settings: Record<string, unknown>, dir: string): Record<string, unknown> {
  return typeof settings.folder === "string" ? { ...settings, folder: path.resolve(dir, settings.folder) } : settings;
}

function build(spec: LoadedSpec, raw: RawConfig, kinds: readonly AnyJobKind[], unrunnable: ReadonlyMap<string, string[]>): JobsConfig {
  const dir = path.dirname(spec.file);
  const environments = new Map<string, EnvironmentConfig>();
  for (const [name, e] of Object.entries(raw.environments)) {
    environments.set(name, {
      name,
      url: e.url,
      tenant: e.tenant,
      clientId: e.clientId,
      clientSecret: "file" in e.clientSecret ? { file: path.resolve(dir, e.clientSecret.file) } : e.clientSecret,
      authorityHost: e.authorityHost,
      where: whereIs(spec, joinPointer("/environments", name)),
    });
  }
  const entries = Object.entries(raw.jobs);
  const jobs = entries.filter(([name]) => !unrunnable.has(name)).map(([name, job]): JobConfig => ({
    name,
    kind: kinds.find((k) => k.kind === job.kind)!,
    environment: environments.get(job.environment)!,
    schedule: new Schedule(job.schedule, job.timezone),
    settings: withFolderResolved(settingsOf(job), dir),
    where: whereIs(spec, joinPointer("/jobs", name)),
    settingsWhere: Object.fromEntries(Object.keys(settingsOf(job)).map((key) => [key, whereIs(spec, joinPointer("/jobs", name, key))])),
  }));
  return {
    file: spec.file,
    stateDir: path.resolve(dir, raw.state ?? defaultStateDirName),
    environments,
    jobs,
    unrunnable: entries.filter(([name]) => unrunnable.has(name)).map(([name, entry]) => ({ name, written: writtenKeys(entry), problems: unrunnable.get(name)! })),
    log: { format: raw.log?.format ?? "text", level: raw.log?.level ?? "info" },
    maxConcurrentJobs: raw.maxConcurrentJobs ?? 4,
    shutdownGraceSeconds: raw.shutdownGraceSeconds ?? 30,
  };
}

/** The runner's keys of an entry that may be malformed, where they are strings. */
function writtenKeys(entry: unknown): UnrunnableJob["written"] {
  if (entry === null || typeof entry !== "object") return {};
  return Object.fromEntries(runnerJobKeys.flatMap((key) => {
    const value = (entry as Record<string, unknown>)[key];
    return typeof value === "string" ? [[key, value]] : [];
  }));
}

/**
 * An environment's client secret, read now (a rotated secret file is picked up at the next run). The error
 * names the environment, where the file sets it, and the variable or file, never a value.
 */
export function readClientSecret(environment: EnvironmentConfig, env: NodeJS.ProcessEnv): string {
  const where = `${environment.where}: environments.${environment.name}.clientSecret`;
  const source = environment.clientSecret;
  if ("env" in source) {
    const value = env[source.env];
    if (value === undefined || value.trim() === "") throw new JobSetupError(errorCodes.invalid, `${where}: the environment variable ${source.env} is not set`);
    return value.trim();
  }
  let text: string;
  try {
    // The loader's reader: a regular file only, bounded, and a FIFO cannot hang it.
    text = readSourceText(source.file).trim();
  } catch (err) {
    throw new JobSetupError(errorCodes.unreadable, `${where}: the secret file: ${(err as Error).message}`);
  }
  if (text === "") throw new JobSetupError(errorCodes.invalid, `${where}: the secret file ${source.file} is empty`);
  return text;
}
