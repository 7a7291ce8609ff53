import { existsSync } from "node:fs";
import path from "node:path";
import type { Command } from "commander";
import {
  findOnPath,
  formatCommand,
  guidPattern,
  pacArguments,
  readSolutionSource,
  runPac,
  solutionZipName,
  withoutPacHelp,
  type DeployTarget,
} from "../../solution/index.ts";
import { CliError, ExitCode } from "../errors.ts";
import { solutionCliError } from "./pack.ts";

interface DeployOptions {
  environment?: string;
  solution?: boolean;
  connector?: boolean;
  managed?: boolean;
  sampleFlow?: boolean;
  connectorId?: string;
  settingsFile?: string;
  dist: string;
  solutionDir: string;
}

/**
 * `fno-connector deploy [--environment URL] [--solution | --connector]`: imports the built solution zip
 * (default) or creates/updates the connector with pac, printing the exact command first. Without pac
 * it exits 1 with how to install pac or import the zip in the maker portal.
 */
export function registerDeploy(program: Command): void {
  program
    .command("deploy")
    .description("Import the solution (or create/update the connector) in an environment with pac")
    .option("--environment <url>", "target environment URL or ID (default: pac's active auth profile)")
    .option("--solution", "import the solution zip from dist/solution (the default)")
    .option("--connector", "create the connector from dist/connector inside the solution (update with --connector-id)")
    .option("--managed", "import the managed package instead of the unmanaged one")
    .option("--sample-flow", "import the solution that includes the sample flow")
    .option("--connector-id <guid>", "with --connector: update this existing connector instead of creating one")
    .option("--settings-file <file>", "with --solution: connection references and environment variable values (pac solution create-settings)")
    .option("--dist <dir>", "build output folder", "dist")
    .option("--solution-dir <dir>", "the solution's own metadata", "solution")
    .action(async (options: DeployOptions) => {
      if (options.solution && options.connector) throw new CliError("choose one of --solution and --connector", ExitCode.unreadable);
      const target = deployTarget(options);
      const pac = findOnPath("pac");
      if (pac === undefined) throw new CliError(withoutPacHelp(target), ExitCode.failed);
      const args = pacArguments(target, options.environment);
      process.stdout.write(`$ ${formatCommand("pac", args)}\n`);
      const code = await runPac(pac, args);
      if (code !== 0) throw new CliError(`pac exited with code ${code}`, ExitCode.failed);
    });
}

function deployTarget(options: DeployOptions): DeployTarget {
  let manifest;
  try {
    manifest = readSolutionSource(path.resolve(options.solutionDir)).manifest;
  } catch (err) {
    throw solutionCliError(err);
  }
  if (options.connector) {
    if (options.connectorId !== undefined && !guidPattern.test(options.connectorId)) {
      throw new CliError(`--connector-id "${options.connectorId}" is not a GUID`, ExitCode.unreadable);
    }
    const connectorDir = path.join(options.dist, "connector");
    requireBuilt(path.join(connectorDir, "apiDefinition.swagger.json"));
    return { kind: "connector", connectorDir, solutionUniqueName: manifest.uniqueName, connectorId: options.connectorId };
  }
  const packageType = options.managed ? "managed" : "unmanaged";
  const zip = path.join(options.dist, "solution", solutionZipName(manifest, { withSampleFlow: options.sampleFlow, packageType }));
  requireBuilt(zip);
  return { kind: "solution", zip, settingsFile: options.settingsFile };
}

function requireBuilt(file: string): void {
  if (!existsSync(file)) {
    throw new CliError(`${file} does not exist: run \`npm run build\` first (it writes both solutions)`, ExitCode.failed);
  }
}
