import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import type { Command } from "commander";
import { configurationHelp, unconfiguredSignIn } from "../../compile/config.ts";
import { findOnPath, formatCommand, guidPattern, pacArguments, readSolutionSource, runPac, solutionParts, solutionZipName, withoutPacHelp, type DeployTarget, type SolutionPart } from "../../solution/index.ts";
import { readZip } from "../../zip/index.ts";
import { deployThroughWebApi, type PackageToImport } from "../../dataverse/deploy.ts";
import { DataverseClient } from "../../dataverse/web-api.ts";
import { parseSettings, settingsTemplate, type DeploymentSettings } from "../../solution/deployment-settings.ts";
import { afterImportChecklist } from "../../solution/setup-guide.ts";
import type { SolutionManifest } from "../../solution/source.ts";
import { createCredential, requireHttpUrl, resolveConnection } from "../connection.ts";
import { CliError, ExitCode } from "../errors.ts";

interface DeployOptions {
  environment?: string;
  solution?: boolean;
  connector?: boolean;
  managed?: boolean;
  only?: string;
  connectorId?: string;
  settingsFile?: string;
  settings?: string;
  webApi?: boolean;
  shareWith?: string[];
  tenant?: string;
  clientId?: string;
  clientSecret?: string;
  authorityHost?: string;
  dist: string;
  solutionDir: string;
}

/**
 * `fno-connector deploy [--environment URL] [--solution | --connector]`: imports the built solutions
 * (default: the connector solution, then the flows solution) or creates/updates the connector with pac,
 * printing each command first. Without pac on PATH (or with --web-api) the solutions are imported through
 * the Dataverse Web API with client credentials instead. A package that still carries placeholder sign-in
 * values is refused before anything runs. Without pac and without --environment it exits 1 with how to
 * install pac, use the Web API path or import the zips in the maker portal.
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
    .option("--settings-file <file>", "for the flows solution: connection references and environment variable values (`fno-connector settings` writes one)")
    .option("--settings <file>", "the same as --settings-file")
    .option("--web-api", "import through the Dataverse Web API even when pac is on PATH (the default without pac)")
    .option("--share-with <user or team...>", "Web API: share the connector with these users (email address) or teams (name) through GrantAccess")
    .option("--tenant <id>", "Web API: Entra tenant ID (env AZURE_TENANT_ID)")
    .option("--client-id <id>", "Web API: the app's client ID, an application user of the environment (env AZURE_CLIENT_ID)")
    .option("--client-secret <secret>", "Web API: client secret (env AZURE_CLIENT_SECRET; prefer the variable)")
    .option("--authority-host <url>", "Web API: token authority (env AZURE_AUTHORITY_HOST, default https://login.microsoftonline.com)")
    .option("--dist <dir>", "build output folder", "dist")
    .option("--solution-dir <dir>", "the connector solution's own metadata", "solution")
    .action(async (options: DeployOptions) => {
      if (options.solution && options.connector) throw new CliError("choose one of --solution and --connector", ExitCode.unreadable);
      if (options.settings !== undefined && options.settingsFile !== undefined) throw new CliError("give one of --settings and --settings-file", ExitCode.unreadable);
      options.settingsFile ??= options.settings;
      const targets = await deployTargets(options);
      const pac = options.webApi ? undefined : findOnPath("pac");
      if (pac === undefined && options.environment !== undefined && !options.connector) {
        await deployWithWebApi(options, targets);
        return;
      }
      if (options.webApi) throw new CliError(options.connector ? "--web-api imports the solutions; --connector needs pac" : "--web-api needs --environment https://<org>.crm.dynamics.com", ExitCode.unreadable);
      if (options.shareWith !== undefined) throw new CliError("--share-with works with the Web API path (--web-api, or no pac on PATH)", ExitCode.unreadable);
      if (pac === undefined) throw new CliError(withoutPacHelp(targets), ExitCode.failed);
      for (const target of targets) {
        const args = pacArguments(target, options.environment);
        process.stdout.write(`$ ${formatCommand("pac", args)}\n`);
        const code = await runPac(pac, args);
        if (code !== 0) throw new CliError(`pac exited with code ${code}${targets.length > 1 ? "; the solutions after it were not imported" : ""}`, ExitCode.failed);
      }
    });
}

function readManifest(options: DeployOptions): SolutionManifest {
  return readSolutionSource(path.resolve(options.solutionDir)).manifest;
}

async function deployTargets(options: DeployOptions): Promise<DeployTarget[]> {
  const manifest = readManifest(options);
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
    targets.push({ kind: "solution", part, zip, settingsFile: part === "flows" ? options.settingsFile : undefined });
  }
  return targets;
}

/** A connector whose sign-in values are placeholders imports fine and then signs nobody in: refuse it here. */
function requireSignIn(connectionParameters: unknown, file: string): void {
  const missing = unconfiguredSignIn(connectionParameters);
  if (missing.length > 0) throw new CliError(`${file}: ${configurationHelp(missing)}`, ExitCode.failed);
}

async function connectionParametersInZip(zip: string): Promise<unknown> {
  const entries = await readZip(readFileSync(zip), zip);
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
    throw new CliError(`${file} does not exist: run \`npm run build\` first (it writes both solutions)`, ExitCode.unreadable);
  }
}

/**
 * The Web API path: client credentials for the environment URL (token audience), the solutions in order, the
 * settings as ComponentParameters, a progress line while each import runs, then what still needs a person.
 */
async function deployWithWebApi(options: DeployOptions, targets: readonly DeployTarget[]): Promise<void> {
  const environment = requireHttpUrl(options.environment!, "--environment", "https://contoso.crm.dynamics.com");
  if (environment.pathname !== "/" || environment.search !== "") {
    throw new CliError(`--environment "${options.environment}": expected the environment URL alone, such as https://contoso.crm.dynamics.com`, ExitCode.unreadable);
  }
  const connection = resolveConnection({ ...options, url: environment.origin });
  const manifest = readManifest(options);
  const packages: PackageToImport[] = targets.flatMap((t) =>
    t.kind === "solution" ? [{ part: t.part, file: t.zip, bytes: readFileSync(t.zip), managed: !!options.managed }] : [],
  );
  const flowsZip = path.join(options.dist, "solution", solutionZipName(manifest, { part: "flows", packageType: options.managed ? "managed" : "unmanaged" }));
  requireBuilt(flowsZip);
  let template: DeploymentSettings;
  let settings: DeploymentSettings | undefined;
  template = settingsTemplate(await readZip(readFileSync(flowsZip), flowsZip), flowsZip);
  if (options.settingsFile !== undefined) {
    if (!existsSync(options.settingsFile)) throw new CliError(`--settings-file ${options.settingsFile}: no such file`, ExitCode.unreadable);
    settings = parseSettings(readFileSync(options.settingsFile, "utf8"), options.settingsFile, template);
  }
  const out = process.stdout;
  const progress = statusLine(out);
  const client = new DataverseClient({
    environmentUrl: connection.environmentUrl,
    credential: await createCredential(connection),
    onRetry: (event) => progress.note(`${event.operation}: ${event.reason}; waiting ${Math.ceil(event.delayMs / 1000)} s`),
  });
  out.write(`Importing through the Dataverse Web API at ${client.environmentUrl} (pac ${options.webApi ? "not used: --web-api" : "is not on PATH"})\n`);
  let result;
  try {
    result = await deployThroughWebApi({
      client,
      packages,
      connectorSolution: manifest.uniqueName,
      connectorName: manifest.connector.schemaName,
      connectionReferences: template.ConnectionReferences.map((r) => r.LogicalName),
      ...(settings ? { settings } : {}),
      ...(options.shareWith ? { shareWith: options.shareWith } : {}),
      onStatus: (file, status, elapsedMs) => progress.status(`importing ${file}: ${status} (${Math.round(elapsedMs / 1000)} s)`),
      log: (line) => progress.note(line),
    });
  } catch (err) {
    progress.end();
    throw err;
  }
  progress.end();
  for (const file of result.imported) out.write(`imported ${file}\n`);
  out.write(`\n${afterImportChecklist({ manifest, connectorTitle: connectorTitle(options, manifest) }, result.unconnected, result.shared.length > 0)}`);
}

/** The connector's display name, for the checklist: the built definition's title, else its schema name. */
function connectorTitle(options: DeployOptions, manifest: SolutionManifest): string {
  const file = path.join(options.dist, "connector", "apiDefinition.swagger.json");
  const title = existsSync(file) ? readJson(file, (d) => (d as { info?: { title?: unknown } }).info?.title) : undefined;
  return typeof title === "string" ? title : manifest.connector.schemaName;
}

/**
 * One rewritten status line on a terminal (the import's state and time), one line per change otherwise;
 * notes (retries, steps done) always get a line of their own.
 */
function statusLine(stream: NodeJS.WriteStream): { status: (text: string) => void; note: (text: string) => void; end: () => void } {
  const tty = stream.isTTY === true;
  let shown: string | undefined;
  let lastStatus: string | undefined;
  const clear = () => {
    if (tty && shown !== undefined) stream.write("\r\x1b[2K");
    shown = undefined;
  };
  return {
    status(text) {
      if (tty) {
        stream.write(`\r\x1b[2K${text}`);
        shown = text;
        return;
      }
      const state = text.replace(/ \(\d+ s\)$/, "");
      if (state !== lastStatus) stream.write(`${text}\n`);
      lastStatus = state;
    },
    note(text) {
      const again = shown;
      clear();
      stream.write(`${text}\n`);
      if (again !== undefined) {
        stream.write(again);
        shown = again;
      }
    },
    end() {
      if (tty && shown !== undefined) stream.write("\n");
      shown = undefined;
    },
  };
}
