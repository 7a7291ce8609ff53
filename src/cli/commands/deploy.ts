import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import type { Command } from "commander";
import { configurationHelp, unconfiguredSignIn } from "../../compile/config.ts";
import {
  findOnPath,
  formatCommand,
  guidPattern,
  pacArguments,
  readSolutionSource,
  readZip,
  runPac,
  solutionParts,
  solutionZipName,
  withoutPacHelp,
  type DeployTarget,
  type SolutionPart,
} from "../../solution/index.ts";
import { CliError, ExitCode } from "../errors.ts";
import { solutionCliError } from "./pack.ts";

interface DeployOptions {
  environment?: string;
  solution?: boolean;
  connector?: boolean;
  managed?: boolean;
  only?: string;
  connectorId?: string;
  settingsFile?: string;
  dist: string;
  solutionDir: string;
}

/**
 * `fno-connector deploy [--environment URL] [--solution | --connector]`: imports the built solutions
 * (default: the connector solution, then the flows solution) or creates/updates the connector with pac,
 * printing each command first. A package that still carries placeholder sign-in values is refused before
 * anything runs. Without pac it exits 1 with how to install pac or import the zips in the maker portal.
 */
export function registerDeploy(program: Command): void {
  program
    .command("deploy")
    .description("Import the solutions (connector solution, then flows solution) or create/update the connector in an environment with pac")
    .option("--environment <url>", "target environment URL or ID (default: pac's active auth profile)")
    .option("--solution", "import the solution zips from dist/solution (the default)")
    .option("--connector", "create the connector from dist/connector inside the connector solution (update with --connector-id)")
    .option("--managed", "import the managed packages instead of the unmanaged ones")
    .option("--only <solution>", `import one solution only: ${solutionParts.join(" or ")}`)
    .option("--connector-id <guid>", "with --connector: update this existing connector instead of creating one")
    .option("--settings-file <file>", "for the flows solution: connection references and environment variable values (pac solution create-settings)")
    .option("--dist <dir>", "build output folder", "dist")
    .option("--solution-dir <dir>", "the connector solution's own metadata", "solution")
    .action(async (options: DeployOptions) => {
      if (options.solution && options.connector) throw new CliError("choose one of --solution and --connector", ExitCode.unreadable);
      const targets = await deployTargets(options);
      const pac = findOnPath("pac");
      if (pac === undefined) throw new CliError(withoutPacHelp(targets), ExitCode.failed);
      for (const target of targets) {
        const args = pacArguments(target, options.environment);
        process.stdout.write(`$ ${formatCommand("pac", args)}\n`);
        const code = await runPac(pac, args);
        if (code !== 0) throw new CliError(`pac exited with code ${code}${targets.length > 1 ? "; the solutions after it were not imported" : ""}`, ExitCode.failed);
      }
    });
}

async function deployTargets(options: DeployOptions): Promise<DeployTarget[]> {
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
    const propertiesFile = path.join(connectorDir, "apiProperties.json");
    requireBuilt(path.join(connectorDir, "apiDefinition.swagger.json"));
    requireBuilt(propertiesFile);
    requireSignIn(readJson(propertiesFile, (p) => (p as { properties?: { connectionParameters?: unknown } }).properties?.connectionParameters), propertiesFile);
    return [{ kind: "connector", connectorDir, solutionUniqueName: manifest.uniqueName, connectorId: options.connectorId }];
  }
  if (options.only !== undefined && !(solutionParts as readonly string[]).includes(options.only)) {
    throw new CliError(`--only "${options.only}": expected ${solutionParts.join(" or ")}`, ExitCode.unreadable);
  }
  const parts: readonly SolutionPart[] = options.only === undefined ? solutionParts : [options.only as SolutionPart];
  const packageType = options.managed ? "managed" : "unmanaged";
  const targets: DeployTarget[] = [];
  for (const part of parts) {
    const zip = path.join(options.dist, "solution", solutionZipName(manifest, { part, packageType }));
    requireBuilt(zip);
    if (part === "connector") requireSignIn(await connectionParametersInZip(zip), zip);
    targets.push({ kind: "solution", zip, settingsFile: part === "flows" ? options.settingsFile : undefined });
  }
  return targets;
}

/** A connector whose sign-in values are placeholders imports fine and then signs nobody in: refuse it here. */
function requireSignIn(connectionParameters: unknown, file: string): void {
  const missing = unconfiguredSignIn(connectionParameters);
  if (missing.length > 0) throw new CliError(`${file}: ${configurationHelp(missing)}`, ExitCode.failed);
}

async function connectionParametersInZip(zip: string): Promise<unknown> {
  let entries: Map<string, Buffer>;
  try {
    entries = await readZip(readFileSync(zip), zip);
  } catch (err) {
    throw solutionCliError(err);
  }
  const name = [...entries.keys()].find((n) => /^Connector\/[^/]+_connectionparameters\.json$/.test(n));
  if (name === undefined) throw new CliError(`${zip}: no Connector/…_connectionparameters.json; is this the connector solution?`, ExitCode.failed);
  return parseJson(entries.get(name)!.toString("utf8"), `${zip} ${name}`);
}

function readJson(file: string, pick: (value: unknown) => unknown): unknown {
  return pick(parseJson(readFileSync(file, "utf8"), file));
}

function parseJson(text: string, where: string): unknown {
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new CliError(`${where}: not valid JSON (${(err as Error).message})`, ExitCode.unreadable);
  }
}

function requireBuilt(file: string): void {
  if (!existsSync(file)) {
    throw new CliError(`${file} does not exist: run \`npm run build\` first (it writes both solutions)`, ExitCode.failed);
  }
}
