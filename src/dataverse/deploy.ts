import { randomUUID } from "node:crypto";
import path from "node:path";
import { sleep as defaultSleep } from "../client/retry.ts";
import type { DeploymentSettings } from "../solution/deployment-settings.ts";
import type { SolutionPart } from "../solution/pack.ts";
import { descendants, parseXml, textOf } from "../solution/xml.ts";
import type { DataverseClient } from "./web-api.ts";
import { errorCodes, ToolError } from "../errors/index.ts";

/** One solution package to import, in import order. */
export interface PackageToImport {
  part: SolutionPart;
  /** Where it came from, for messages. */
  file: string;
  bytes: Buffer;
  managed: boolean;
}

export interface WebApiDeployOptions {
  client: DataverseClient;
  /** Connector solution first, then the flows solution (either may be left out with `--only`). */
  packages: readonly PackageToImport[];
  /** The connector solution's unique name: the flows solution is imported only when the environment has it. */
  connectorSolution: string;
  /** The connector's Dataverse name (`connectors.name`), for `--share-with`. */
  connectorName: string;
  /** The flows solution's connection references, checked for connections at the end. */
  connectionReferences: readonly string[];
  settings?: DeploymentSettings;
  /** Users (by email) or teams (by name) to share the connector with. */
  shareWith?: readonly string[];
  /** Told about each poll of an import: for the progress line. */
  onStatus?: (file: string, status: string, elapsedMs: number) => void;
  log?: (line: string) => void;
  /** First wait between polls of an import; it doubles up to maxPollMs. */
  pollMs?: number;
  maxPollMs?: number;
  /** An import still running after this long is reported as not finished (exit 1). */
  timeoutMs?: number;
  sleep?: (ms: number) => Promise<void>;
  now?: () => number;
  newId?: () => string;
}

export interface WebApiDeployResult {
  imported: string[];
  /** Connection references of the flows solution that have no connection yet. */
  unconnected: string[];
  shared: string[];
}

/** A deploy step that failed, with everything Dataverse said about why. */
/** A deploy that stopped: an import failed or was refused, so the solutions after it were not imported. */
export class DeployError extends ToolError {
  constructor(message: string) {
    super(errorCodes.incomplete, message);
    this.name = "DeployError";
  }
}

/** asyncoperation statuscode values (Microsoft Learn, AsyncOperation states; docs/platform-assumptions.md). */
export const asyncStatus = {
  0: "Waiting for resources",
  10: "Waiting",
  20: "In progress",
  21: "Pausing",
  22: "Canceling",
  30: "Succeeded",
  31: "Failed",
  32: "Canceled",
} as const satisfies Record<number, string>;
const completedState = 3;
const succeeded = 30;

interface AsyncOperation {
  statecode?: number;
  statuscode?: number;
  message?: string | null;
  friendlymessage?: string | null;
}

/**
 * Imports the packages in order through the Web API: for each, `ImportSolutionAsync` (with the settings as
 * ComponentParameters for the flows solution), then the asyncoperation followed until it completes, then
 * `PublishAllXml` for an unmanaged package. A failed import stops the run with the import job's formatted
 * results; the packages after it are not imported.
 */
export async function deployThroughWebApi(options: WebApiDeployOptions): Promise<WebApiDeployResult> {
  const { client } = options;
  const log = options.log ?? (() => undefined);
  const result: WebApiDeployResult = { imported: [], unconnected: [], shared: [] };
  for (const [index, pkg] of options.packages.entries()) {
    const name = path.basename(pkg.file);
    const after = index < options.packages.length - 1 ? "; the solutions after it were not imported" : "";
    try {
      if (pkg.part === "flows") await requireConnectorSolution(client, options.connectorSolution, name);
      await importPackage(options, pkg, name);
      if (!pkg.managed) {
        // An unmanaged import leaves its customizations unpublished; a managed one is published by the import.
        await client.post("PublishAllXml", {}, "PublishAllXml", "idempotent");
        log(`published the customizations of ${name}`);
      }
      result.imported.push(pkg.file);
      if (pkg.part === "connector" && options.shareWith?.length) result.shared = await shareConnector(client, options.connectorName, options.shareWith, log);
    } catch (err) {
      throw new DeployError(`${(err as Error).message}${after}`);
    }
  }
  if (options.packages.some((p) => p.part === "flows")) result.unconnected = await unconnectedReferences(client, options.connectionReferences);
  return result;
}

/** The ComponentParameters for the flows solution: the settings' values, empty ones left out (the import asks for them). */
export function componentParameters(settings: DeploymentSettings | undefined): Record<string, string>[] {
  if (settings === undefined) return [];
  return [
    ...settings.EnvironmentVariables.filter((v) => v.Value !== "").map((v) => ({
      "@odata.type": "Microsoft.Dynamics.CRM.environmentvariablevalue",
      schemaname: v.SchemaName,
      value: v.Value,
    })),
    ...settings.ConnectionReferences.filter((r) => r.ConnectionId !== "").map((r) => ({
      "@odata.type": "Microsoft.Dynamics.CRM.connectionreference",
      connectionreferencelogicalname: r.LogicalName,
      connectionid: r.ConnectionId,
      connectorid: r.ConnectorId,
    })),
  ];
}

async function importPackage(options: WebApiDeployOptions, pkg: PackageToImport, name: string): Promise<void> {
  const { client } = options;
  const now = options.now ?? Date.now;
  const importJobId = (options.newId ?? randomUUID)();
  const parameters = pkg.part === "flows" ? componentParameters(options.settings) : [];
  const references = options.settings?.ConnectionReferences ?? [];
  // Flows are switched on by the import only when every connection reference gets a connection.
  const allConnected = references.length > 0 && references.every((r) => r.ConnectionId !== "") && references.length === options.connectionReferences.length;
  options.log?.(`importing ${name} (${pkg.managed ? "managed" : "unmanaged"}${parameters.length ? `, ${parameters.length} value(s) from the settings` : ""}), import job ${importJobId}`);
  // rejected-only: once the request may have reached Dataverse, sending it again could start a second import.
  const started = await client.post<{ AsyncOperationId?: string; ImportJobKey?: string }>(
    "ImportSolutionAsync",
    {
      OverwriteUnmanagedCustomizations: false,
      PublishWorkflows: pkg.part === "flows" && allConnected,
      CustomizationFile: pkg.bytes.toString("base64"),
      ImportJobId: importJobId,
      ComponentParameters: parameters,
    },
    `ImportSolutionAsync ${name}`,
    "rejected-only",
  );
  const operationId = started?.AsyncOperationId;
  if (!operationId) throw new Error(`ImportSolutionAsync ${name}: the answer has no AsyncOperationId, so the import cannot be followed`);

  const begun = now();
  const deadline = begun + (options.timeoutMs ?? 60 * 60_000);
  // Small solutions import in seconds, large ones in many minutes: poll soon, then less and less often.
  let wait = options.pollMs ?? 250;
  for (;;) {
    const operation = await client.get<AsyncOperation>(
      `asyncoperations(${operationId})?$select=statecode,statuscode,message,friendlymessage`,
      `asyncoperation of ${name}`,
    );
    const status = statusName(operation.statuscode);
    options.onStatus?.(name, status, now() - begun);
    if (operation.statecode === completedState) {
      if (operation.statuscode === succeeded) return;
      throw new Error(await importFailure(client, name, status, operation, importJobId));
    }
    if (now() >= deadline) {
      throw new Error(`the import of ${name} is still "${status}" after ${Math.round((now() - begun) / 1000)} s (asyncoperation ${operationId}); follow it in Solutions > See history`);
    }
    await (options.sleep ?? defaultSleep)(wait);
    wait = Math.min(wait * 2, options.maxPollMs ?? 5000);
  }
}

function statusName(code: number | undefined): string {
  return code !== undefined && code in asyncStatus ? asyncStatus[code as keyof typeof asyncStatus] : `status ${code ?? "unknown"}`;
}

/** Most rows of the import job's results printed; the rest are summarised. */
const resultRowLimit = 25;

/** The failure as one message: the operation's own messages, then the import job's formatted results. */
async function importFailure(client: DataverseClient, name: string, status: string, operation: AsyncOperation, importJobId: string): Promise<string> {
  const lines = [`the import of ${name} ended "${status}"`];
  for (const text of new Set([operation.friendlymessage, operation.message])) if (text) lines.push(`  ${text.trim()}`);
  try {
    const results = await client.get<{ FormattedResults?: string }>(
      `RetrieveFormattedImportJobResults(ImportJobId=${importJobId})`,
      `RetrieveFormattedImportJobResults ${name}`,
    );
    const rows = formattedResultRows(results.FormattedResults ?? "");
    if (rows.length > 0) {
      const problems = rows.filter((row) => /fail|error|missing/i.test(row));
      const shown = rows.length <= resultRowLimit ? rows : problems.slice(0, resultRowLimit);
      lines.push(`  import job ${importJobId} results:`, ...shown.map((row) => `    ${row}`));
      if (shown.length < rows.length) lines.push(`    (${rows.length - shown.length} more rows; the full log is in Solutions > See history)`);
    }
  } catch (err) {
    lines.push(`  the import job's results could not be read: ${(err as Error).message}`);
  }
  return lines.join("\n");
}

/**
 * The rows of the formatted results, which Dataverse returns "in Microsoft Excel format" (XML Spreadsheet 2003:
 * Workbook > Worksheet > Table > Row > Cell > Data), each as its cells' text joined by " | ". Anything else
 * is shown as its first lines of text.
 */
export function formattedResultRows(text: string): string[] {
  if (text.trim() === "") return [];
  try {
    const root = parseXml(text, "FormattedResults");
    return [...descendants(root)]
      .filter((el) => el.name === "Row")
      .map((row) =>
        [...descendants(row)]
          .filter((el) => el.name === "Data")
          .map((data) => textOf(data).replace(/\s+/g, " ").trim())
          .filter((cell) => cell !== "")
          .join(" | "),
      )
      .filter((row) => row !== "");
  } catch {
    return text.split(/\r?\n/).map((line) => line.trim()).filter(Boolean).slice(0, resultRowLimit);
  }
}

/** The flows solution needs the connector from the connector solution: check for it first for a clear message. */
async function requireConnectorSolution(client: DataverseClient, uniqueName: string, flowsName: string): Promise<void> {
  const found = await client.get<{ value: { uniquename: string; version?: string }[] }>(
    query("solutions", "uniquename,version", `uniquename eq ${odataString(uniqueName)}`),
    "solutions query",
  );
  if (found.value.length === 0) {
    throw new Error(
      `${flowsName} needs the connector from the connector solution ${uniqueName}, which ${client.environmentUrl} does not have: import the connector solution first (deploy without --only, or --only connector)`,
    );
  }
}

/** Shares the connector record with each user (an email address) or team (a name) through GrantAccess. */
async function shareConnector(client: DataverseClient, connectorName: string, principals: readonly string[], log: (line: string) => void): Promise<string[]> {
  const connectors = await client.get<{ value: { connectorid: string }[] }>(
    query("connectors", "connectorid", `name eq ${odataString(connectorName)}`),
    "connectors query",
  );
  const connector = connectors.value[0];
  if (connector === undefined) throw new Error(`--share-with: no connector named ${connectorName} in ${client.environmentUrl} after the import`);
  const shared: string[] = [];
  for (const who of principals) {
    const isUser = who.includes("@");
    const [set, key, filter] = isUser
      ? (["systemusers", "systemuserid", `internalemailaddress eq ${odataString(who)}`] as const)
      : (["teams", "teamid", `name eq ${odataString(who)}`] as const);
    const found = await client.get<{ value: Record<string, string>[] }>(query(set, key, filter), `${set} query`);
    const id = found.value[0]?.[key];
    if (id === undefined) throw new Error(`--share-with "${who}": no ${isUser ? "user with that email address" : "team with that name"} in ${client.environmentUrl}`);
    await client.post(
      "GrantAccess",
      {
        Target: { "@odata.type": "Microsoft.Dynamics.CRM.connector", connectorid: connector.connectorid },
        PrincipalAccess: { Principal: { "@odata.type": `Microsoft.Dynamics.CRM.${isUser ? "systemuser" : "team"}`, [key]: id }, AccessMask: "ReadAccess" },
      },
      `GrantAccess ${who}`,
      "idempotent",
    );
    log(`shared the connector with ${isUser ? "user" : "team"} ${who}`);
    shared.push(who);
  }
  return shared;
}

async function unconnectedReferences(client: DataverseClient, logicalNames: readonly string[]): Promise<string[]> {
  if (logicalNames.length === 0) return [];
  const filter = logicalNames.map((n) => `connectionreferencelogicalname eq ${odataString(n)}`).join(" or ");
  const found = await client.get<{ value: { connectionreferencelogicalname: string; connectionid?: string | null }[] }>(
    query("connectionreferences", "connectionreferencelogicalname,connectionid", filter),
    "connectionreferences query",
  );
  const connected = new Set(found.value.filter((r) => r.connectionid).map((r) => r.connectionreferencelogicalname));
  return logicalNames.filter((n) => !connected.has(n));
}

/** An OData string literal: quoted, single quotes doubled. */
function odataString(value: string): string {
  return `'${value.replace(/'/g, "''")}'`;
}

/** `<set>?$select=…&$filter=…`, the filter percent-encoded so that `&`, `#` or `+` in a value cannot end it. */
function query(set: string, select: string, filter: string): string {
  return `${set}?$select=${select}&$filter=${encodeURIComponent(filter)}`;
}

