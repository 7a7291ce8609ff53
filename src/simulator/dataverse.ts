import { randomUUID } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { readZip } from "../zip/index.ts";
import { childElements, descendants, findChild, parseXml, textOf, type XmlElement } from "../solution/xml.ts";
import { TokenAuthority, type ClientCredentials } from "./auth.ts";
import { SimulatedClock } from "./clock.ts";
import { readBody, sendJson } from "./http.ts";
import { defaultIds } from "./options.ts";
import { SeededRandom } from "./random.ts";

/**
 * A Dataverse double for `deploy`'s Web API path: an Entra-shaped token endpoint whose tokens are for this
 * environment only, and the Web API resources the deploy uses (ImportSolutionAsync, asyncoperations,
 * RetrieveFormattedImportJobResults, PublishAllXml, solutions, connectors, systemusers, teams, GrantAccess,
 * connectionreferences). It imports for real as far as the deploy can see: it reads the package, refuses one
 * whose MissingDependencies name a solution it does not have, and records the connector, the connection
 * references and the environment variable values. Shapes and their evidence: docs/platform-assumptions.md,
 * "Deploying through the Dataverse Web API"; the texts of its errors are its own.
 */
export interface DataverseDoubleOptions {
  tenantId?: string;
  client?: ClientCredentials;
  users?: { email: string; id: string }[];
  teams?: { name: string; id: string }[];
  /** Polls of an asyncoperation that answer "In progress" before it completes. */
  pollsUntilDone?: number;
}

/** Every request the double received, for tests: method, path with query, and headers (lower-case names). */
export interface RecordedRequest {
  method: string;
  path: string;
  headers: Record<string, string>;
}

/** An error the next ImportSolutionAsync answers with, as Dataverse writes one (annotations only when asked for). */
export interface AnnotatedError {
  status: number;
  code: string;
  message: string;
  annotations?: Record<string, string>;
}

interface AsyncOperation {
  id: string;
  importJobId: string;
  solution: string;
  polls: number;
  outcome: { ok: true } | { ok: false; message: string; rows: string[][] };
}

interface ConnectionReference {
  logicalName: string;
  connectorId: string;
  connectionId: string | null;
}

const apiPrefix = "/api/data/v9.2/";
const bodyLimit = 64 * 1024 * 1024;

export class DataverseDouble {
  readonly url: string;
  readonly requests: RecordedRequest[] = [];
  /** Unique name → version of every solution imported. */
  readonly solutions = new Map<string, string>();
  readonly connectors = new Map<string, string>();
  readonly connectionReferences = new Map<string, ConnectionReference>();
  readonly environmentVariableValues = new Map<string, string>();
  readonly shares: { connectorId: string; principal: string; accessMask: string }[] = [];
  readonly publishes: number[] = [];
  readonly #server: Server;
  readonly #auth: TokenAuthority;
  readonly #tenantId: string;
  readonly #client: ClientCredentials;
  readonly #users: { email: string; id: string }[];
  readonly #teams: { name: string; id: string }[];
  readonly #pollsUntilDone: number;
  readonly #operations = new Map<string, AsyncOperation>();
  #throttle: { requests: number; retryAfterSeconds: number } | undefined;
  #importError: AnnotatedError | undefined;
  #refuseTokens = false;
  #resetImport = false;

  constructor(server: Server, options: DataverseDoubleOptions) {
    this.#server = server;
    this.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    this.#tenantId = options.tenantId ?? defaultIds.tenantId;
    this.#client = options.client ?? { clientId: defaultIds.clientId, clientSecret: defaultIds.clientSecret };
    this.#users = options.users ?? [{ email: "maker@contoso.example", id: "7d2f0c1e-5b7a-4c55-9a41-1d3e2f4a5b60" }];
    this.#teams = options.teams ?? [{ name: "F&O makers", id: "3c9b8a7d-6e5f-4a3b-8c2d-1e0f9a8b7c6d" }];
    this.#pollsUntilDone = options.pollsUntilDone ?? 1;
    this.#auth = new TokenAuthority({
      tenantId: this.#tenantId,
      client: this.#client,
      environmentUrl: this.url,
      clock: new SimulatedClock(),
      random: new SeededRandom(7),
      lifetimeSeconds: 3599,
    });
    server.on("request", (req, res) => void this.#handle(req, res).catch((err: unknown) => sendJson(res, 500, { error: { code: "0x80040216", message: String(err) } })));
  }

  /** What `deploy` needs to reach it: the environment URL is also the authority host. */
  get connection(): { environmentUrl: string; authorityHost: string; tenantId: string; clientId: string; clientSecret: string } {
    return { environmentUrl: this.url, authorityHost: this.url, tenantId: this.#tenantId, ...this.#client };
  }

  /** The next `requests` Web API calls get 429 with `Retry-After: retryAfterSeconds` (a service protection limit). */
  throttleNext(requests: number, retryAfterSeconds: number): void {
    this.#throttle = { requests, retryAfterSeconds };
  }

  /** The next ImportSolutionAsync is answered with this error instead of starting an import. */
  failNextImport(error: AnnotatedError): void {
    this.#importError = error;
  }

  /** The next ImportSolutionAsync is read and acted on, then its connection is reset before any answer. */
  resetNextImport(): void {
    this.#resetImport = true;
  }

  /** Every bearer token is refused from now on (401), as for an app that is not a user of the environment. */
  refuseTokens(): void {
    this.#refuseTokens = true;
  }

  close(): Promise<void> {
    return new Promise((resolve) => {
      this.#server.close(() => resolve());
      this.#server.closeAllConnections();
    });
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? "/", this.url);
    const headers = Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k, Array.isArray(v) ? v.join(", ") : (v ?? "")]));
    this.requests.push({ method: req.method ?? "", path: url.pathname + url.search, headers });
    const token = /^\/([^/]+)\/oauth2\/(v2\.0\/)?token$/.exec(url.pathname);
    if (token && req.method === "POST") {
      const body = await readBody(req, 64 * 1024);
      const form = new URLSearchParams(body === "too-large" ? "" : Buffer.concat(body).toString("utf8"));
      const answer = this.#auth.issue(token[1]!, token[2] ? "v2" : "v1", form);
      return sendJson(res, answer.status, answer.body);
    }
    if (!url.pathname.startsWith(apiPrefix)) return this.#error(req, res, 404, { code: "0x80060888", message: `Resource not found for the segment '${url.pathname}'.` });

    const check = this.#auth.verify(req.headers.authorization);
    if (!check.ok || this.#refuseTokens) {
      // Dataverse answers an unusable token with an empty 401 and a Bearer challenge naming the authority.
      res.writeHead(401, { "www-authenticate": `Bearer authorization_uri=${this.url}/${this.#tenantId}/oauth2/authorize`, "content-length": 0 });
      return void res.end();
    }
    if (this.#throttle && this.#throttle.requests > 0) {
      this.#throttle.requests--;
      return this.#error(req, res, 429, { code: "0x80072322", message: "Number of requests exceeded the limit of 6000 over time window of 300 seconds." }, {
        "retry-after": String(this.#throttle.retryAfterSeconds),
      });
    }
    const resource = decodeURIComponent(url.pathname.slice(apiPrefix.length));
    const filter = url.searchParams.get("$filter") ?? "";
    if (req.method === "GET") return this.#read(req, res, resource, filter);
    if (req.method === "POST") {
      const body = await readBody(req, bodyLimit);
      if (body === "too-large") return this.#error(req, res, 413, { code: "0x8004d292", message: "The request is larger than the double accepts." });
      const text = Buffer.concat(body).toString("utf8");
      let json: Record<string, unknown> = {};
      try {
        json = text === "" ? {} : (JSON.parse(text) as Record<string, unknown>);
      } catch {
        return this.#error(req, res, 400, { code: "0x80048d19", message: "Error identified in Payload provided by the user for Entity :'', For more information on this error please follow this help link https://go.microsoft.com/fwlink/?linkid=2195293" });
      }
      return this.#action(req, res, resource, json);
    }
    return this.#error(req, res, 405, { code: "0x80060888", message: `The HTTP method '${req.method}' is not allowed here.` });
  }

  async #read(req: IncomingMessage, res: ServerResponse, resource: string, filter: string): Promise<void> {
    const wanted = equalities(filter);
    const matches = (field: string, value: string): boolean => (wanted.get(field) ?? []).some((v) => v.toLowerCase() === value.toLowerCase());
    const operation = /^asyncoperations\(([0-9a-f-]{36})\)$/i.exec(resource);
    if (operation) {
      const op = this.#operations.get(operation[1]!.toLowerCase());
      if (!op) return this.#error(req, res, 404, { code: "0x80040217", message: `asyncoperation With Id = ${operation[1]} Does Not Exist` });
      op.polls++;
      const done = op.polls > this.#pollsUntilDone;
      const failed = done && !op.outcome.ok;
      return sendJson(res, 200, {
        asyncoperationid: op.id,
        statecode: done ? 3 : 2,
        statuscode: done ? (failed ? 31 : 30) : 20,
        message: failed && !op.outcome.ok ? op.outcome.message : null,
        friendlymessage: failed ? "Solution import failed." : null,
      });
    }
    const results = /^RetrieveFormattedImportJobResults\(ImportJobId=([0-9a-f-]{36})\)$/i.exec(resource);
    if (results) {
      const op = [...this.#operations.values()].find((o) => o.importJobId === results[1]!.toLowerCase());
      if (!op) return this.#error(req, res, 404, { code: "0x80040217", message: `importjob With Id = ${results[1]} Does Not Exist` });
      const rows = op.outcome.ok ? [["Solution", op.solution, "Success"]] : op.outcome.rows;
      return sendJson(res, 200, { FormattedResults: spreadsheet([["Type", "Name", "Result", "Details"], ...rows]) });
    }
    const list = (value: Record<string, unknown>[]): void => sendJson(res, 200, { "@odata.context": `${this.url}${apiPrefix}$metadata#${resource}`, value });
    switch (resource) {
      case "solutions":
        return list([...this.solutions].filter(([name]) => matches("uniquename", name)).map(([uniquename, version]) => ({ uniquename, version })));
      case "connectors":
        return list([...this.connectors].filter(([name]) => matches("name", name)).map(([, connectorid]) => ({ connectorid })));
      case "systemusers":
        return list(this.#users.filter((u) => matches("internalemailaddress", u.email)).map((u) => ({ systemuserid: u.id })));
      case "teams":
        return list(this.#teams.filter((t) => matches("name", t.name)).map((t) => ({ teamid: t.id })));
      case "connectionreferences":
        return list(
          [...this.connectionReferences.values()]
            .filter((r) => matches("connectionreferencelogicalname", r.logicalName))
            .map((r) => ({ connectionreferencelogicalname: r.logicalName, connectionid: r.connectionId })),
        );
      default:
        return this.#error(req, res, 404, { code: "0x80060888", message: `Resource not found for the segment '${resource}'.` });
    }
  }

  async #action(req: IncomingMessage, res: ServerResponse, action: string, body: Record<string, unknown>): Promise<void> {
    switch (action) {
      case "ImportSolutionAsync": {
        if (this.#importError) {
          const error = this.#importError;
          this.#importError = undefined;
          return this.#error(req, res, error.status, { code: error.code, message: error.message, ...(error.annotations ?? {}) });
        }
        if (typeof body.CustomizationFile !== "string" || body.CustomizationFile === "") {
          return this.#error(req, res, 400, { code: "0x80040203", message: "Required field 'CustomizationFile' is missing" });
        }
        const importJobId = typeof body.ImportJobId === "string" ? body.ImportJobId.toLowerCase() : randomUUID();
        const { solution, outcome } = await this.#import(Buffer.from(body.CustomizationFile, "base64"), body.ComponentParameters);
        const id = randomUUID();
        this.#operations.set(id, { id, importJobId, solution, polls: 0, outcome });
        if (this.#resetImport) {
          // The import started, but the caller never hears so: the case where sending it again would import twice.
          this.#resetImport = false;
          return void req.socket.resetAndDestroy();
        }
        return sendJson(res, 200, {
          "@odata.context": `${this.url}${apiPrefix}$metadata#Microsoft.Dynamics.CRM.ImportSolutionAsyncResponse`,
          AsyncOperationId: id,
          ImportJobKey: importJobId,
        });
      }
      case "PublishAllXml":
        this.publishes.push(this.publishes.length + 1);
        res.writeHead(204);
        return void res.end();
      case "GrantAccess": {
        const target = body.Target as { connectorid?: string } | undefined;
        const access = body.PrincipalAccess as { Principal?: Record<string, string>; AccessMask?: string } | undefined;
        const principal = access?.Principal?.systemuserid ?? access?.Principal?.teamid;
        if (!target?.connectorid || ![...this.connectors.values()].includes(target.connectorid) || !principal || !access?.AccessMask) {
          return this.#error(req, res, 400, { code: "0x80040203", message: "GrantAccess needs a Target connector that exists and a PrincipalAccess with Principal and AccessMask." });
        }
        this.shares.push({ connectorId: target.connectorid, principal, accessMask: access.AccessMask });
        res.writeHead(204);
        return void res.end();
      }
      default:
        return this.#error(req, res, 404, { code: "0x80060888", message: `Resource not found for the segment '${action}'.` });
    }
  }

  /** Imports a package as far as the deploy can observe it; the outcome is reported through the asyncoperation. */
  async #import(bytes: Buffer, parameters: unknown): Promise<{ solution: string; outcome: AsyncOperation["outcome"] }> {
    let entries: Map<string, Buffer>;
    let manifest: XmlElement;
    try {
      entries = await readZip(bytes, "CustomizationFile");
      manifest = findChild(parseXml(entries.get("solution.xml") ?? "", "solution.xml"), "SolutionManifest")!;
    } catch (err) {
      return { solution: "(unreadable)", outcome: { ok: false, message: `The solution file is invalid: ${(err as Error).message}`, rows: [["Solution", "(unreadable)", "Failure", (err as Error).message]] } };
    }
    const uniqueName = textOf(findChild(manifest, "UniqueName")!);
    const version = textOf(findChild(manifest, "Version")!);
    const missing = childElements(findChild(manifest, "MissingDependencies") ?? { name: "", attributes: {}, children: [] }, "MissingDependency")
      .map((dependency) => findChild(dependency, "Required")!.attributes)
      .filter((required) => !this.solutions.has((required.solution ?? "").replace(/ \(.*\)$/, "")));
    if (missing.length > 0) {
      const names = [...new Set(missing.map((r) => `${r.displayName} (${r.schemaName}) from solution ${r.solution}`))];
      return {
        solution: uniqueName,
        outcome: {
          ok: false,
          message: `Solution manifest import: FAILURE: The following solution cannot be imported: ${uniqueName}. Some dependencies are missing. The missing dependencies are: ${names.join("; ")}`,
          rows: names.map((name) => ["Missing dependency", name, "Failure", "Import the solution that holds it first."]),
        },
      };
    }
    const customizations = parseXml(entries.get("customizations.xml")!, "customizations.xml");
    const values = Array.isArray(parameters) ? (parameters as Record<string, string>[]) : [];
    const references = [...descendants(customizations)].filter((el) => el.name === "connectionreference");
    const variables = [...entries.keys()].filter((n) => /^environmentvariabledefinitions\/[^/]+\/environmentvariabledefinition\.xml$/.test(n)).map((n) => n.split("/")[1]!);
    for (const value of values) {
      const known =
        value["@odata.type"] === "Microsoft.Dynamics.CRM.connectionreference"
          ? references.some((r) => r.attributes.connectionreferencelogicalname === value.connectionreferencelogicalname)
          : value["@odata.type"] === "Microsoft.Dynamics.CRM.environmentvariablevalue" && variables.includes(value.schemaname ?? "");
      if (!known) {
        const what = value.connectionreferencelogicalname ?? value.schemaname ?? value["@odata.type"];
        return { solution: uniqueName, outcome: { ok: false, message: `ComponentParameters: the solution has no component '${what}'.`, rows: [["Component parameter", String(what), "Failure", "Not in the solution"]] } };
      }
    }
    for (const connector of [...descendants(customizations)].filter((el) => el.name === "Connector")) {
      this.connectors.set(textOf(findChild(connector, "name")!), textOf(findChild(connector, "connectorid")!));
    }
    for (const reference of references) {
      const logicalName = reference.attributes.connectionreferencelogicalname!;
      const given = values.find((v) => v.connectionreferencelogicalname === logicalName);
      const connectorId = textOf(findChild(reference, "connectorid")!);
      this.connectionReferences.set(logicalName, { logicalName, connectorId, connectionId: given?.connectionid ?? this.connectionReferences.get(logicalName)?.connectionId ?? null });
    }
    for (const value of values.filter((v) => v.schemaname !== undefined)) this.environmentVariableValues.set(value.schemaname!, value.value ?? "");
    this.solutions.set(uniqueName, version);
    return { solution: uniqueName, outcome: { ok: true } };
  }

  /** A Dataverse error body; the `@Microsoft.PowerApps.CDS.*` annotations only for a request that asked for them. */
  #error(req: IncomingMessage, res: ServerResponse, status: number, error: Record<string, string>, headers: Record<string, string> = {}): void {
    const annotated = /odata\.include-annotations=("\*"|\*|"[^"]*Microsoft\.PowerApps\.CDS)/.test(String(req.headers.prefer ?? ""));
    const body = Object.fromEntries(Object.entries(error).filter(([key]) => annotated || !key.startsWith("@")));
    sendJson(res, status, { error: body }, headers);
  }
}

export async function startDataverseDouble(options: DataverseDoubleOptions = {}): Promise<DataverseDouble> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  return new DataverseDouble(server, options);
}

/** `a eq 'x' or b eq 'y'` → a: [x], b: [y]: the only filters the deploy sends. */
function equalities(filter: string): Map<string, string[]> {
  const found = new Map<string, string[]>();
  for (const match of filter.matchAll(/(\w+) eq '((?:[^']|'')*)'/g)) {
    found.set(match[1]!, [...(found.get(match[1]!) ?? []), match[2]!.replace(/''/g, "'")]);
  }
  return found;
}

/** Rows as XML Spreadsheet 2003, the "Microsoft Excel format" of RetrieveFormattedImportJobResults. */
function spreadsheet(rows: string[][]): string {
  const escape = (text: string): string => text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
  const body = rows.map((row) => `<Row>${row.map((cell) => `<Cell><Data ss:Type="String">${escape(cell)}</Data></Cell>`).join("")}</Row>`).join("");
  return `<?xml version="1.0"?><Workbook xmlns="urn:schemas-microsoft-com:office:spreadsheet" xmlns:ss="urn:schemas-microsoft-com:office:spreadsheet"><Worksheet ss:Name="Components"><Table>${body}</Table></Worksheet></Workbook>`;
}
