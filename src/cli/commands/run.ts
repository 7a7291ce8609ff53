import { accessSync, constants, mkdirSync } from "node:fs";
import { Option, type Command } from "commander";
import { JobsConfigError, loadJobsConfig, logFormats, unrunnableError, type JobsConfig, type LogFormat } from "../../jobs/config.ts";
import { logWriter } from "../../jobs/log.ts";
import { runJobs, type JobsHost, type RunJobsResult } from "../../jobs/runner.ts";
import { createClient, requireHttpUrl } from "../connection.ts";
import { CliError, ExitCode } from "../errors.ts";
import { fsReason } from "../../errors/index.ts";
import { requireOutputFolder } from "../paths.ts";
import { givenSecrets, withoutCredentials } from "../secrets.ts";

interface RunFlags {
  config: string;
  once?: boolean;
  job?: string;
  now?: boolean;
  log?: LogFormat;
}

/** The CLI's side of the runner: Entra ID (or the simulator's loopback token endpoint) and the CLI's redaction. */
export const cliJobsHost: JobsHost = {
  connect: (environment, onRetry) =>
    createClient(
      {
        environmentUrl: environment.url,
        tenantId: environment.tenant,
        clientId: environment.clientId,
        clientSecret: environment.clientSecret,
        authorityHost: environment.authorityHost,
      },
      onRetry,
    ),
  redact: (text, secrets) => withoutCredentials(text, [...secrets, ...givenSecrets([], process.env)]),
};

export function registerRun(program: Command): void {
  program
    .command("run")
    .description("Run the jobs of a jobs file unattended, each on its cron schedule, until SIGTERM or SIGINT")
    .requiredOption("--config <file>", "the jobs file (see the README, 'Unattended jobs')")
    .option("--once", "run every job (or the --job) once, now, and exit: 0 when every run did all its work, 1 otherwise")
    .option("--job <name>", "only this job")
    .option("--now", "with --job: run that job now and exit, as --once does")
    .addOption(new Option("--log <format>", "log lines on stdout: text, or json (one object per line); default: the file's log.format").choices(logFormats))
    .action(async (flags: RunFlags) => {
      if (flags.now && flags.job === undefined) throw new CliError("--now runs one job: name it with --job NAME", ExitCode.unreadable);
      const config = loadJobsConfig(flags.config);
      checkUrls(config);
      if (flags.job !== undefined) requireRunnable(config, flags.job);
      prepareStateDir(config);
      const result = await withStopSignals((signal) =>
        runJobs({
          config,
          host: cliJobsHost,
          once: (flags.once ?? false) || (flags.now ?? false),
          ...(flags.job !== undefined ? { jobs: [flags.job] } : {}),
          signal,
          log: logWriter((text) => process.stdout.write(text), flags.log ?? config.log.format, config.log.level),
        }),
      );
      if (result.abandoned.length > 0) {
        // A job that ignores its signal keeps the event loop busy; its state file holds its last completed step.
        setTimeout(() => process.exit(ExitCode.failed), 1000).unref();
      }
      if (result.exitCode !== 0) throw new CliError(failureSummary(result), ExitCode.failed);
    });
}

/** `--job NAME` names a job of the file (exit 2 otherwise) that can run (exit 1 with its problems otherwise: there is nothing else to run). */
function requireRunnable(config: JobsConfig, name: string): void {
  const unrunnable = config.unrunnable.find((j) => j.name === name);
  if (unrunnable) throw unrunnableError(config.file, unrunnable);
  if (!config.jobs.some((j) => j.name === name)) {
    const names = [...config.jobs, ...config.unrunnable].map((j) => j.name);
    throw new CliError(`--job ${name}: ${config.file} has no such job; its jobs are: ${names.join(", ")}`, ExitCode.unreadable);
  }
}

/** Every environment's URLs are https, or http on this machine (the simulator); checked before anything runs. */
function checkUrls(config: JobsConfig): void {
  for (const environment of config.environments.values()) {
    const key = `${environment.where}: environments.${environment.name}`;
    try {
      requireHttpUrl(environment.url, `${key}.url`, "https://myorg.operations.dynamics.com");
      if (environment.authorityHost !== undefined) requireHttpUrl(environment.authorityHost, `${key}.authorityHost`, "https://login.microsoftonline.com");
    } catch (err) {
      throw new JobsConfigError((err as Error).message);
    }
  }
}

/** The state folder exists (made now) and can be written: otherwise no job could record anything (exit 2). */
function prepareStateDir(config: JobsConfig): void {
  const what = `the state folder of ${config.file}`;
  requireOutputFolder(config.stateDir, what);
  try {
    mkdirSync(config.stateDir, { recursive: true });
    accessSync(config.stateDir, constants.R_OK | constants.W_OK);
  } catch (err) {
    throw new CliError(`${what}, ${config.stateDir}, ${fsReason(err)}`, ExitCode.unreadable);
  }
}

/**
 * Runs `work` with SIGTERM and SIGINT turned into an abort of its signal (a graceful stop); a second signal
 * exits at once (the state files are crash-safe, so even that loses no completed step).
 */
async function withStopSignals<T>(work: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const stop = new AbortController();
  const onSignal = (name: NodeJS.Signals) => {
    if (stop.signal.aborted) {
      process.stderr.write(`fno-connector: ${name} again: exiting now\n`);
      process.exit(ExitCode.failed);
    }
    process.stderr.write(`fno-connector: ${name}: stopping; send it again to exit at once\n`);
    stop.abort(new Error(`stopped by ${name}`));
  };
  process.on("SIGTERM", onSignal);
  process.on("SIGINT", onSignal);
  try {
    return await work(stop.signal);
  } finally {
    process.off("SIGTERM", onSignal);
    process.off("SIGINT", onSignal);
  }
}

function failureSummary(result: RunJobsResult): string {
  const parts = result.outcomes
    .filter((o) => o.result !== "ok")
    .map((o) => (o.result === "unfinished" ? `${o.job}: ${o.summary?.unfinished ?? 0} item(s) left for the next run` : `${o.job}: ${o.result}${o.error !== undefined ? ` (${o.error})` : ""}`));
  for (const job of result.abandoned) parts.push(`${job}: still running when the shutdown grace ran out`);
  return `work left undone: ${parts.join("; ")}`;
}
