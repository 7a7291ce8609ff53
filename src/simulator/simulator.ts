import { createHash } from "node:crypto";
import { STATUS_CODES, createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { handleAdmin } from "./admin.ts";
import { TokenAuthority, type ClientCredentials } from "./auth.ts";
import { BlobStore, PUT_BLOB_LIMIT_BYTES, PUT_BLOCK_LIMIT_BYTES, sendAzureError, type AzureError, type BlobState } from "./blob-store.ts";
import { SimulatedClock } from "./clock.ts";
import { Counters, type CounterSnapshot } from "./counters.ts";
import { blobEndpoints, environmentEndpoints, type EndpointName } from "./endpoints.ts";
import { SimulatorConfigError } from "./errors.ts";
import { fixedBytes, fromOffset, generatedPackage, measureBody, rangeStart, type ExportBody } from "./export-package.ts";
import { ExportQueue, type ExportMessage } from "./export-queue.ts";
import { FaultPlan, type StatusFault } from "./faults.ts";
import {
  Exchange,
  JSON_TYPE,
  ODATA_JSON_HEADERS,
  acceptsJson,
  fnoError,
  isJsonUtf8,
  malformedPath,
  parseMediaType,
  readBody,
  sendJson,
} from "./http.ts";
import { ImportLedger } from "./import-queue.ts";
import { ActionFailure, PackageApi, type ImportCall, type PackageExecutionState } from "./package-api.ts";
import {
  DEFAULT_ENTITY,
  canonicalActivityId,
  defaultIds,
  toExportSeed,
  type ActivityOptions,
  type ExportSeed,
  type FaultOptions,
  type SimulatorOptions,
} from "./options.ts";
import { SeededRandom, deriveSeed } from "./random.ts";
import { findOptionsProblem, findProblem, validateExportSeed, validateFaults } from "./schema.ts";
import { RetryAfterLedger, TokenBucket, inFlightGraceMs, retryAfter } from "./throttle.ts";

/** What a client needs to connect, as `fno-connector simulate` prints it. */
export interface SimulatorConnection {
  /** The F&O environment URL (`token:resourceUri`): the simulator's own base URL. */
  environmentUrl: string;
  tenantId: string;
  clientId: string;
  clientSecret: string;
  /** Authority host to put in front of the tenant: `<authorityHost>/<tenantId>/oauth2/...`. */
  authorityHost: string;
  tokenUrlV1: string;
  tokenUrlV2: string;
  exportActivityIds: string[];
  importActivityIds: string[];
  /** The data projects (definition groups) the package API knows, by direction. */
  exportDefinitionGroupIds: string[];
  importDefinitionGroupIds: string[];
  /** The blob store's own origin (`http://127.0.0.1:<port>`), where package API SAS URLs point. */
  blobUrl: string;
  adminUrl: string;
}

/** A queued export message and what a correct download of it must produce. */
export interface SeededExport {
  activityId: string;
  correlationId: string;
  blobId: string;
  /** Null for a `missing-file` seed. */
  downloadLocation: string | null;
  /** Bytes the download serves (its Content-Length); 0 for a missing file. */
  size: number;
  /** SHA-256 (hex) of those bytes; "" for a missing file. */
  sha256: string;
}

export interface ExportMessageState extends SeededExport {
  dequeueCount: number;
  /** ISO times in simulated time. */
  lastDequeuedAt: string | null;
  ackedAt: string | null;
  /** Whether a dequeue now could hand it out. */
  visible: boolean;
}

export interface ImportMessageState {
  messageId: string;
  /** Empty GUID until the message is picked up, as GetExecutionIdByMessageId reports it. */
  executionId: string;
  status: string;
  entity: string | null;
  company: string | null;
  externalIdentifier: string | null;
  contentType: string | null;
  size: number;
  sha256: string;
  enqueuedAt: string;
}

type ParameterType = "string" | "boolean";
type ActionResult = string | boolean;

/** One data management action: its parameters (all required, as F&O's model state demands), result type and behaviour. */
interface ActionSpec {
  parameters: Record<string, ParameterType>;
  /** Default Edm.String. */
  returns?: "Edm.String" | "Edm.Boolean";
  /** The docs show this action's value nested, `{"value":{"value":…}}`; served so when `packageApi.nestedValues` is set. */
  nestable?: boolean;
  run: (args: Record<string, ActionResult>, now: number) => ActionResult | Promise<ActionResult>;
}

interface Route {
  endpoint: EndpointName;
  method: "GET" | "POST" | "PUT";
  pattern: RegExp;
  /** The `comp` query parameter the route serves (Azure names blob operations by it); any when absent. */
  comp?: string;
  handle: (exchange: Exchange, match: RegExpExecArray, form: URLSearchParams | undefined) => Promise<void>;
}

const JSON_BODY_LIMIT = 1024 * 1024;
const FORM_BODY_LIMIT = 64 * 1024;
/** A Put Block List body naming 50,000 blocks of 64-byte IDs (88 base64 characters) in `<Uncommitted>` fits. */
const BLOCK_LIST_BODY_LIMIT = 8 * 1024 * 1024;
const ACTIONS_PATH = "/data/DataManagementDefinitionGroups/Microsoft.Dynamics.DataEntities.";

/**
 * Starts a simulated F&O environment on 127.0.0.1: Entra-style token endpoint, recurring integrations
 * API, data management status actions, fault injection and an admin API (see admin.ts). Everything the
 * run needs lives on the returned instance. What it answers, and the evidence for each behaviour:
 * docs/platform-assumptions.md, "F&O API behaviour".
 */
export async function startSimulator(options: SimulatorOptions = {}): Promise<Simulator> {
  const { clock, ...data } = options;
  const problem = findOptionsProblem(data);
  if (problem) throw new SimulatorConfigError(problem.message, problem.pointer);
  const server = await listen(options.port ?? 0);
  let blobServer: Server;
  try {
    blobServer = await listen(options.blobPort ?? 0);
  } catch (err) {
    server.close();
    throw err;
  }
  const simulator = new Simulator(server, blobServer, { ...data, clock });
  try {
    for (const activity of simulator.activities) {
      for (const request of activity.messages ?? []) {
        for (let i = 0; i < (request.count ?? 1); i++) await simulator.seedExport(activity.id, toExportSeed(request));
      }
    }
  } catch (err) {
    // Messages for an import job, say: do not leave a half-seeded server listening.
    await simulator.close();
    throw err;
  }
  return simulator;
}

/** An HTTP server listening on 127.0.0.1. */
async function listen(port: number): Promise<Server> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, "127.0.0.1", () => {
      server.off("error", reject);
      resolve();
    });
  });
  return server;
}

/** A running simulator; create it with `startSimulator`, which listens first and then builds this around the servers. */
export class Simulator {
  /** The environment URL, `http://127.0.0.1:<port>`, no trailing slash. */
  readonly url: string;
  readonly port: number;
  /** Simulated time; `clock.advance(ms)` moves it (see clock.ts). */
  readonly clock: SimulatedClock;
  /** The recurring jobs as configured, IDs in canonical form (lower case, no braces). */
  readonly activities: ActivityOptions[];
  /** The blob store behind the package API's SAS URLs, on its own origin. */
  readonly blobStore: BlobStore;
  readonly #server: Server;
  readonly #blobServer: Server;
  readonly #packages: PackageApi;
  readonly #seed: number;
  readonly #tenantId: string;
  readonly #client: ClientCredentials;
  readonly #counters = new Counters();
  readonly #auth: TokenAuthority;
  readonly #exports = new Map<string, ExportQueue>();
  readonly #importActivities = new Set<string>();
  readonly #imports: ImportLedger;
  readonly #maxEnqueueBytes: number;
  readonly #maxBlobBytes: number;
  readonly #maxBlockBytes: number;
  readonly #rangeRequests: boolean;
  /** Message, correlation, blob and execution IDs and pop receipts. */
  readonly #ids: SeededRandom;
  /** Content seeds of generated packages. */
  readonly #contentSeeds: SeededRandom;
  readonly #ledger: RetryAfterLedger;
  #faults: FaultPlan;
  #throttle: { bucket: TokenBucket; endpoints: ReadonlySet<EndpointName> } | undefined;
  /** Seeds run one after another, so queue order and IDs follow call order even when calls overlap. */
  #seeding: Promise<unknown> = Promise.resolve();
  readonly #routes: Route[];
  readonly #blobRoutes: Route[];
  /** Requests being handled, and who waits for there to be none (`settle`). */
  #active = 0;
  #settled: (() => void)[] = [];

  constructor(server: Server, blobServer: Server, options: SimulatorOptions) {
    const { port } = server.address() as AddressInfo;
    this.#server = server;
    this.#blobServer = blobServer;
    this.port = port;
    this.url = `http://127.0.0.1:${port}`;
    this.clock = options.clock instanceof SimulatedClock ? options.clock : new SimulatedClock(options.clock);
    this.#ledger = new RetryAfterLedger(this.clock.frozen ? 0 : inFlightGraceMs);
    this.#seed = options.seed ?? 1;
    this.#tenantId = options.tenantId ?? defaultIds.tenantId;
    this.#client = options.client ?? { clientId: defaultIds.clientId, clientSecret: defaultIds.clientSecret };
    this.#ids = new SeededRandom(deriveSeed(this.#seed, "ids"));
    this.#contentSeeds = new SeededRandom(deriveSeed(this.#seed, "content"));
    this.#auth = new TokenAuthority({
      tenantId: this.#tenantId,
      client: this.#client,
      environmentUrl: this.url,
      clock: this.clock,
      random: new SeededRandom(deriveSeed(this.#seed, "tokens")),
      lifetimeSeconds: 3599,
    });
    this.activities = (
      options.activities ?? [
        { id: defaultIds.exportActivityId, direction: "export" },
        { id: defaultIds.importActivityId, direction: "import" },
      ]
    ).map((activity) => ({ ...activity, id: canonicalActivityId(activity.id) }));
    const visibilityTimeoutMs = (options.visibilityTimeoutSeconds ?? 1800) * 1000;
    for (const activity of this.activities) {
      if (activity.direction === "export") this.#exports.set(activity.id, new ExportQueue(visibilityTimeoutMs));
      else this.#importActivities.add(activity.id);
    }
    const packageOptions = options.packageApi ?? {};
    this.blobStore = new BlobStore(
      `http://127.0.0.1:${(blobServer.address() as AddressInfo).port}`,
      new SeededRandom(deriveSeed(this.#seed, "blob-key")),
      (packageOptions.retentionDays ?? 7) * 24 * 3600 * 1000,
    );
    this.#maxBlobBytes = packageOptions.maxBlobBytes ?? PUT_BLOB_LIMIT_BYTES;
    this.#maxBlockBytes = packageOptions.maxBlockBytes ?? PUT_BLOCK_LIMIT_BYTES;
    this.#packages = new PackageApi(packageOptions, {
      blobs: this.blobStore,
      clock: this.clock,
      ids: new SeededRandom(deriveSeed(this.#seed, "package-ids")),
      contentSeeds: new SeededRandom(deriveSeed(this.#seed, "package-content")),
      environmentUrl: this.url,
    });
    const importOptions = options.import ?? {};
    // A recurring import's execution lives among the package API's executions: one model of an execution.
    this.#imports = new ImportLedger(
      {
        ...importOptions,
        outcomes: importOptions.outcomes?.map((rule) =>
          rule.activityId === undefined ? rule : { ...rule, activityId: canonicalActivityId(rule.activityId) },
        ),
      },
      this.#packages,
    );
    this.#maxEnqueueBytes = options.maxEnqueueBytes ?? 32 * 1024 * 1024;
    this.#rangeRequests = options.rangeRequests ?? false;
    this.#faults = new FaultPlan([], this.#seed);
    this.#applyFaults(options.faults ?? {});
    this.#routes = this.#buildRoutes();
    this.#blobRoutes = this.#buildBlobRoutes();
    server.on("request", (req, res) => void this.#handling(this.#onRequest(req, res, this.url, this.#routes)));
    blobServer.on("request", (req, res) => void this.#handling(this.#onRequest(req, res, this.blobStore.origin, this.#blobRoutes)));
  }

  get connection(): SimulatorConnection {
    return {
      environmentUrl: this.url,
      tenantId: this.#tenantId,
      clientId: this.#client.clientId,
      clientSecret: this.#client.clientSecret,
      authorityHost: this.url,
      tokenUrlV1: `${this.url}/${this.#tenantId}/oauth2/token`,
      tokenUrlV2: `${this.url}/${this.#tenantId}/oauth2/v2.0/token`,
      exportActivityIds: [...this.#exports.keys()],
      importActivityIds: [...this.#importActivities],
      exportDefinitionGroupIds: this.#packages.groupIds("export"),
      importDefinitionGroupIds: this.#packages.groupIds("import"),
      blobUrl: this.blobStore.origin,
      adminUrl: `${this.url}/_admin`,
    };
  }

  /** Queues one export message; resolves once its size and SHA-256 are known (one pass over the bytes). */
  seedExport(activityId: string, seed: ExportSeed): Promise<SeededExport> {
    const id = canonicalActivityId(activityId);
    const queue = this.#exports.get(id);
    if (!queue) return Promise.reject(new SimulatorConfigError(`no export activity has the ID '${activityId}'`));
    const problem =
      seed.kind === "bytes"
        ? seed.bytes instanceof Uint8Array
          ? undefined
          : { pointer: "/bytes", message: "must be a Uint8Array" }
        : findProblem(validateExportSeed, seed);
    if (problem) return Promise.reject(new SimulatorConfigError(problem.message, problem.pointer));
    const body: ExportBody | undefined =
      seed.kind === "package"
        ? generatedPackage({
            entity: seed.entity ?? DEFAULT_ENTITY,
            dataBytes: seed.dataBytes,
            contentSeed: seed.contentSeed ?? this.#contentSeeds.nextUint32(),
          })
        : seed.kind === "bytes"
          ? fixedBytes(seed.bytes)
          : undefined;
    const correlationId = this.#ids.guid();
    const blobId = this.#ids.guid();
    const seeded = this.#seeding.then(async () => {
      const measured = body ? await measureBody(body) : { size: 0, sha256: "" };
      const message: ExportMessage = {
        correlationId,
        blobId,
        body,
        ...measured,
        fileErrorMessage: seed.kind === "missing-file" ? (seed.message ?? "The file for this message does not exist.") : "",
        visibleAt: this.clock.now(),
        popReceipt: undefined,
        lastDequeuedAt: undefined,
        dequeueCount: 0,
        ackedAt: undefined,
      };
      queue.add(message);
      return this.#describeExport(id, message);
    });
    this.#seeding = seeded.catch(() => undefined);
    return seeded;
  }

  exportMessages(activityId: string): ExportMessageState[] {
    const id = canonicalActivityId(activityId);
    const queue = this.#exports.get(id);
    if (!queue) throw new SimulatorConfigError(`no export activity has the ID '${activityId}'`);
    const now = this.clock.now();
    const iso = (time: number | undefined) => (time === undefined ? null : new Date(time).toISOString());
    return queue.messages().map((message) => ({
      ...this.#describeExport(id, message),
      dequeueCount: message.dequeueCount,
      lastDequeuedAt: iso(message.lastDequeuedAt),
      ackedAt: iso(message.ackedAt),
      visible: message.ackedAt === undefined && message.visibleAt <= now,
    }));
  }

  importMessages(activityId: string): ImportMessageState[] {
    const id = canonicalActivityId(activityId);
    if (!this.#importActivities.has(id)) throw new SimulatorConfigError(`no import activity has the ID '${activityId}'`);
    const now = this.clock.now();
    return this.#imports.messages(id).map((message) => ({
      messageId: message.messageId,
      executionId: this.#imports.executionIdOf(message.messageId, now),
      status: this.#imports.statusOf(message, now),
      entity: message.entity ?? null,
      company: message.company ?? null,
      externalIdentifier: message.externalIdentifier ?? null,
      contentType: message.contentType ?? null,
      size: message.size,
      sha256: message.sha256,
      enqueuedAt: new Date(message.enqueuedAt).toISOString(),
    }));
  }

  /** Package API executions (exports and imports) with their status now and their package's SHA-256. */
  packageExecutions(): PackageExecutionState[] {
    return this.#packages.executions(this.clock.now());
  }

  /** Every ImportFromPackage call, accepted or refused, in arrival order. */
  importCalls(): ImportCall[] {
    return this.#packages.importCalls();
  }

  /** Every blob in the store (uploads, export packages, error files), deleted ones included. */
  blobs(): BlobState[] {
    return this.blobStore.blobs();
  }

  counters(): CounterSnapshot {
    return this.#counters.snapshot();
  }

  resetCounters(): void {
    this.#counters.reset();
  }

  /** Replaces the whole fault configuration; rule dice restart from the run seed. */
  setFaults(faults: FaultOptions): void {
    const problem = findProblem(validateFaults, faults);
    if (problem) throw new SimulatorConfigError(problem.message, problem.pointer);
    this.#applyFaults(faults);
  }

  /** Forces every token issued so far to expire now; returns how many were still live. */
  expireTokens(): number {
    return this.#auth.expireAll();
  }

  /**
   * Drops idle connections (with whatever a client sent on them that was not read yet) and waits for the requests
   * being handled. Afterwards nothing a client sent before the call changes the simulator's state: a test that
   * kills a client mid-request and then moves the clock needs that, or a dequeue still in the server's socket
   * buffer would be handled after the move and hide its message past the visibility timeout.
   */
  async settle(): Promise<void> {
    this.#server.closeIdleConnections();
    this.#blobServer.closeIdleConnections();
    if (this.#active > 0) await new Promise<void>((resolve) => this.#settled.push(resolve));
  }

  async #handling(request: Promise<void>): Promise<void> {
    this.#active++;
    try {
      await request;
    } finally {
      if (--this.#active === 0) for (const resolve of this.#settled.splice(0)) resolve();
    }
  }

  async close(): Promise<void> {
    const closing = (server: Server) =>
      new Promise<void>((resolve, reject) => {
        server.close((err) => (err ? reject(err) : resolve()));
        server.closeAllConnections();
      });
    await Promise.all([closing(this.#server), closing(this.#blobServer)]);
  }

  #applyFaults(faults: FaultOptions): void {
    this.#faults = new FaultPlan(faults.rules ?? [], this.#seed);
    this.#throttle = faults.throttle && {
      bucket: new TokenBucket(faults.throttle, this.clock.now()),
      endpoints: new Set(faults.throttle.endpoints ?? environmentEndpoints),
    };
    this.#auth.lifetimeSeconds = faults.tokenLifetimeSeconds ?? 3599;
  }

  #describeExport(activityId: string, message: ExportMessage): SeededExport {
    return {
      activityId,
      correlationId: message.correlationId,
      blobId: message.blobId,
      downloadLocation: message.body ? this.#downloadLocation(activityId, message) : null,
      size: message.size,
      sha256: message.sha256,
    };
  }

  /** DownloadLocation's observed shape: the activity ID upper-case in encoded braces, then two GUIDs. */
  #downloadLocation(activityId: string, message: ExportMessage): string {
    return (
      `${this.url}/api/connector/download/%7B${activityId.toUpperCase()}%7D` +
      `?correlation-id=${message.correlationId}&blob=${message.blobId}`
    );
  }

  async #onRequest(req: IncomingMessage, res: ServerResponse, origin: string, routes: Route[]): Promise<void> {
    try {
      const url = new URL(req.url ?? "/", origin);
      if (origin === this.url && (url.pathname === "/_admin" || url.pathname.startsWith("/_admin/"))) {
        await handleAdmin(this, req, res, url);
        return;
      }
      // Handlers decode path segments; a path that cannot be decoded is the client's mistake, not a 500.
      const malformed = malformedPath(url.pathname);
      if (malformed) {
        sendJson(res, 400, fnoError("Bad Request", malformed));
        return;
      }
      const candidates = routes.filter((route) => route.pattern.test(url.pathname));
      const comp = url.searchParams.get("comp");
      const route = candidates.find((candidate) => candidate.method === req.method && (candidate.comp === undefined || candidate.comp === comp));
      if (!route) {
        const allowed = [...new Set(candidates.map((candidate) => candidate.method))];
        const status = allowed.length > 0 ? 405 : 404;
        const detail =
          status === 405
            ? `${req.method} is not allowed on ${url.pathname}; use ${allowed.join(", ")}.`
            : `No HTTP resource was found that matches the request URI '${url.pathname}'.`;
        sendJson(res, status, fnoError(STATUS_CODES[status]!, detail), status === 405 ? { allow: allowed.join(", ") } : {});
        return;
      }
      await this.#serve(new Exchange(req, res, url, route.endpoint, this.#counters), route);
    } catch (err) {
      // A bug or a broken connection: answer 500 if nothing has been sent yet, otherwise cut the line.
      if (res.headersSent) {
        res.destroy();
        return;
      }
      sendJson(res, 500, fnoError("An error has occurred.", err instanceof Error ? err.message : String(err)));
    }
  }

  /**
   * The order every request goes through: latency, authentication, "early" bookkeeping, throttle, status
   * faults (which skip the handler, so the request has no effect), then the handler with any body fault.
   */
  async #serve(exchange: Exchange, route: Route): Promise<void> {
    const endpoint = route.endpoint;
    this.#counters.request(endpoint);
    const receipt = this.#ledger.receive();
    const decision = this.#faults.decide(endpoint);
    if (decision.latencyMs > 0) await this.clock.sleep(decision.latencyMs);

    const match = route.pattern.exec(exchange.url.pathname)!;
    let form: URLSearchParams | undefined;
    let client: string;
    if (endpoint === "token") {
      form = await this.#readForm(exchange);
      client = `token:${(form.get("client_id") ?? "").toLowerCase()}`;
    } else if (blobEndpoints.includes(endpoint)) {
      // The SAS in the URL is the only credential; a bearer token here is a leak, refused and counted.
      const refusal = this.blobStore.refusal(exchange, decodeURIComponent(match[1]!), endpoint === "blobGet" ? "r" : "w", this.clock.now());
      if (refusal) {
        if (exchange.header("authorization") !== undefined) this.#counters.add("blobAuthorizationAttempts");
        await sendAzureError(exchange, this.clock.now(), refusal);
        return;
      }
      client = "blob";
    } else {
      const check = this.#auth.verify(exchange.req.headers.authorization);
      if (!check.ok) {
        // RFC 6750 §3: no error code when the request carried no credentials at all.
        const challenge = check.hasCredentials
          ? `Bearer error="invalid_token", error_description="${check.description}"`
          : "Bearer";
        await exchange.json(401, fnoError("Unauthorized", check.description), { "content-type": JSON_TYPE, "www-authenticate": challenge });
        return;
      }
      client = `environment:${check.clientId.toLowerCase()}`;
    }

    const now = this.clock.now();
    const punctuality = this.#ledger.check(client, { receipt, now, connection: exchange.req.socket });
    if (punctuality === "early") this.#counters.add("early");
    if (punctuality === "in-flight") this.#counters.add("inFlightAtAnnouncement");
    if (this.#throttle?.endpoints.has(endpoint)) {
      const waitMs = this.#throttle.bucket.take(now);
      if (waitMs > 0) {
        this.#counters.add("throttled");
        const { header, notBefore } = retryAfter(Math.max(1, waitMs / 1000), "seconds", now);
        this.#ledger.announce(client, notBefore, now, exchange.req.socket);
        await this.#answerError(exchange, 429, THROTTLED_TEXT, { "retry-after": header });
        return;
      }
    }

    const outcome = decision.outcome;
    if (outcome?.kind === "status") {
      this.#counters.add("faultsInjected");
      await this.#answerStatusFault(exchange, outcome, client, now);
      return;
    }
    exchange.bodyFault = outcome;
    await route.handle(exchange, match, form);
  }

  async #answerStatusFault(exchange: Exchange, fault: StatusFault, client: string, now: number): Promise<void> {
    const headers: Record<string, string> = {};
    if (fault.retryAfter !== undefined) {
      const { header, notBefore } = retryAfter(fault.retryAfter, fault.retryAfterFormat ?? "seconds", now);
      headers["retry-after"] = header;
      this.#ledger.announce(client, notBefore, now, exchange.req.socket);
    }
    const text = fault.message ?? (fault.status === 429 ? THROTTLED_TEXT : `Simulated HTTP ${fault.status} on ${exchange.endpoint}.`);
    await this.#answerError(exchange, fault.status, text, headers);
  }

  /** An error in the answering service's own format: Entra's for the token endpoint, Azure storage's XML for blobs, OData's for F&O. */
  async #answerError(exchange: Exchange, status: number, text: string, headers: Record<string, string>): Promise<void> {
    if (exchange.endpoint === "token") {
      const error = status === 429 || status === 503 ? "temporarily_unavailable" : status >= 500 ? "server_error" : "invalid_request";
      await exchange.json(status, { error, error_description: text, error_codes: [] }, { "content-type": JSON_TYPE, ...headers });
    } else if (blobEndpoints.includes(exchange.endpoint)) {
      await sendAzureError(exchange, this.clock.now(), azureFault(status, text), headers);
    } else {
      await exchange.json(status, fnoError(status >= 500 ? "An error has occurred." : (STATUS_CODES[status] ?? "Error"), text), { "content-type": JSON_TYPE, ...headers });
    }
  }

  /** Form fields of a token request; a body that is not a form reads as empty, as Entra treats it. */
  async #readForm(exchange: Exchange): Promise<URLSearchParams> {
    const chunks = await readBody(exchange.req, FORM_BODY_LIMIT);
    const isForm = parseMediaType(exchange.req.headers["content-type"])?.essence === "application/x-www-form-urlencoded";
    if (chunks === "too-large" || !isForm) return new URLSearchParams();
    return new URLSearchParams(Buffer.concat(chunks).toString("utf8"));
  }

  #buildRoutes(): Route[] {
    const action = (endpoint: EndpointName, name: string, spec: ActionSpec): Route => ({
      endpoint,
      method: "POST",
      pattern: new RegExp(`^${ACTIONS_PATH.replaceAll(".", "\\.")}${name}$`),
      handle: (exchange) => this.#action(exchange, name, spec),
    });
    const packages = this.#packages;
    const str = (args: Record<string, ActionResult>, name: string) => args[name] as string;
    const bool = (args: Record<string, ActionResult>, name: string) => args[name] as boolean;
    const byExecution = { executionId: "string" } as const;
    const byEntity = { executionId: "string", entityName: "string" } as const;
    const importSpec: ActionSpec = {
      parameters: { packageUrl: "string", definitionGroupId: "string", executionId: "string", execute: "boolean", overwrite: "boolean", legalEntityId: "string" },
      run: (args) =>
        packages.importFromPackage({
          packageUrl: str(args, "packageUrl"),
          definitionGroupId: str(args, "definitionGroupId"),
          executionId: str(args, "executionId"),
          execute: bool(args, "execute"),
          overwrite: bool(args, "overwrite"),
          legalEntityId: str(args, "legalEntityId"),
        }),
    };
    const exportSpec: ActionSpec = {
      parameters: { definitionGroupId: "string", packageName: "string", executionId: "string", reExecute: "boolean", legalEntityId: "string" },
      nestable: true,
      run: (args) =>
        packages.exportToPackage({
          definitionGroupId: str(args, "definitionGroupId"),
          packageName: str(args, "packageName"),
          executionId: str(args, "executionId"),
          reExecute: bool(args, "reExecute"),
          legalEntityId: str(args, "legalEntityId"),
        }),
    };
    return [
      { endpoint: "token", method: "POST", pattern: /^\/([^/]+)\/oauth2\/token$/, handle: (ex, m, form) => this.#token(ex, m[1]!, "v1", form!) },
      { endpoint: "token", method: "POST", pattern: /^\/([^/]+)\/oauth2\/v2\.0\/token$/, handle: (ex, m, form) => this.#token(ex, m[1]!, "v2", form!) },
      { endpoint: "dequeue", method: "GET", pattern: /^\/api\/connector\/dequeue\/([^/]+)$/, handle: (ex, m) => this.#dequeue(ex, m[1]!) },
      { endpoint: "download", method: "GET", pattern: /^\/api\/connector\/download\/([^/]+)$/, handle: (ex, m) => this.#download(ex, m[1]!) },
      { endpoint: "ack", method: "POST", pattern: /^\/api\/connector\/ack\/([^/]+)$/, handle: (ex, m) => this.#ack(ex, m[1]!) },
      { endpoint: "enqueue", method: "POST", pattern: /^\/api\/connector\/enqueue\/([^/]+)$/, handle: (ex, m) => this.#enqueue(ex, m[1]!) },
      action("getMessageStatus", "GetMessageStatus", { parameters: { messageId: "string" }, run: (args, now) => this.#imports.messageStatus(unbrace(str(args, "messageId")), now) }),
      action("getExecutionIdByMessageId", "GetExecutionIdByMessageId", {
        parameters: { _messageId: "string" },
        run: (args, now) => this.#imports.executionIdOf(unbrace(str(args, "_messageId")), now),
      }),
      action("getExecutionSummaryStatus", "GetExecutionSummaryStatus", { parameters: byExecution, run: (args, now) => packages.summaryStatus(str(args, "executionId"), now) }),
      action("getExecutionErrors", "GetExecutionErrors", { parameters: byExecution, run: (args, now) => packages.executionErrors(str(args, "executionId"), now) }),
      action("getAzureWriteUrl", "GetAzureWriteUrl", { parameters: { uniqueFileName: "string" }, run: (args, now) => packages.azureWriteUrl(str(args, "uniqueFileName"), now) }),
      action("importFromPackage", "ImportFromPackage", importSpec),
      action("importFromPackageAsync", "ImportFromPackageAsync", importSpec),
      action("exportToPackage", "ExportToPackage", exportSpec),
      action("exportToPackageAsync", "ExportToPackageAsync", exportSpec),
      action("getExportedPackageUrl", "GetExportedPackageUrl", {
        parameters: byExecution,
        nestable: true,
        run: (args, now) => packages.exportedPackageUrl(str(args, "executionId"), now),
      }),
      action("generateImportTargetErrorKeysFile", "GenerateImportTargetErrorKeysFile", {
        parameters: byEntity,
        returns: "Edm.Boolean",
        run: (args, now) => packages.generateErrorKeysFile(str(args, "executionId"), str(args, "entityName"), now),
      }),
      action("getImportTargetErrorKeysFileUrl", "GetImportTargetErrorKeysFileUrl", {
        parameters: byEntity,
        run: (args, now) => packages.errorKeysFileUrl(str(args, "executionId"), str(args, "entityName"), now),
      }),
      action("getImportStagingErrorFileUrl", "GetImportStagingErrorFileUrl", {
        parameters: byEntity,
        run: (args, now) => packages.stagingErrorFileUrl(str(args, "executionId"), str(args, "entityName"), now),
      }),
      action("getExecutionSummaryPageUrl", "GetExecutionSummaryPageUrl", { parameters: byExecution, run: (args) => packages.summaryPageUrl(str(args, "executionId")) }),
    ];
  }

  /** The blob store's routes, served on its own origin: `/dmf/<blob name>`. */
  #buildBlobRoutes(): Route[] {
    const pattern = /^\/dmf\/([^/]+)$/;
    return [
      // Put Block and Put Block List come first: Put Blob's route takes any other `comp`, to refuse it.
      { endpoint: "blobPutBlock", method: "PUT", comp: "block", pattern, handle: (ex, m) => this.#putBlob(ex, decodeURIComponent(m[1]!), this.#maxBlockBytes, (...args) => this.blobStore.handlePutBlock(...args), false) },
      { endpoint: "blobPutBlockList", method: "PUT", comp: "blocklist", pattern, handle: (ex, m) => this.#putBlob(ex, decodeURIComponent(m[1]!), BLOCK_LIST_BODY_LIMIT, (...args) => this.blobStore.handlePutBlockList(...args), true) },
      { endpoint: "blobPut", method: "PUT", pattern, handle: (ex, m) => this.#putBlob(ex, decodeURIComponent(m[1]!), this.#maxBlobBytes, (...args) => this.blobStore.handlePut(...args), true) },
      { endpoint: "blobGet", method: "GET", pattern, handle: (ex, m) => this.#getBlob(ex, decodeURIComponent(m[1]!)) },
    ];
  }

  /**
   * A blob write (Put Blob, Put Block, Put Block List): the body up to `limit` bytes (413 RequestBodyTooLarge above
   * it), then `write`; `countsAsUpload` when a successful write makes a readable blob.
   */
  async #putBlob(
    exchange: Exchange,
    name: string,
    limit: number,
    write: (exchange: Exchange, name: string, body: Buffer, now: number) => Promise<boolean>,
    countsAsUpload: boolean,
  ): Promise<void> {
    const read = await readBody(exchange.req, limit);
    if (read === "too-large") {
      const error: AzureError = { status: 413, code: "RequestBodyTooLarge", message: "The request body is too large and exceeds the maximum permissible limit.", details: { MaxLimit: String(limit) } };
      return sendAzureError(exchange, this.clock.now(), error, { connection: "close" });
    }
    if ((await write(exchange, name, Buffer.concat(read), this.clock.now())) && countsAsUpload) this.#counters.add("blobUploads");
  }

  async #getBlob(exchange: Exchange, name: string): Promise<void> {
    if (await this.blobStore.handleGet(exchange, name, this.clock.now())) this.#counters.add("blobDownloads");
  }

  async #token(exchange: Exchange, tenant: string, version: "v1" | "v2", form: URLSearchParams): Promise<void> {
    const answer = this.#auth.issue(decodeURIComponent(tenant), version, form);
    if (answer.status === 200) this.#counters.add("tokensIssued");
    // Token responses must not be cached (RFC 6749 §5.1).
    await exchange.json(answer.status, answer.body, { "content-type": JSON_TYPE, "cache-control": "no-store", pragma: "no-cache" });
  }

  async #dequeue(exchange: Exchange, rawActivityId: string): Promise<void> {
    const queue = this.#exports.get(canonicalActivityId(rawActivityId));
    if (!queue) return this.#unknownActivity(exchange, rawActivityId, "export");
    const taken = queue.dequeue(this.clock.now(), this.#ids);
    if (!taken) return exchange.empty(204);
    const { message, previousDequeue } = taken;
    if (previousDequeue !== undefined) this.#counters.add("redeliveries");
    await exchange.json(200, {
      CorrelationId: message.correlationId,
      PopReceipt: message.popReceipt,
      DownloadLocation: message.body ? this.#downloadLocation(canonicalActivityId(rawActivityId), message) : null,
      IsDownLoadFileExist: message.body !== undefined,
      FileDownLoadErrorMessage: message.fileErrorMessage,
      LastDequeueDateTime: previousDequeue === undefined ? null : new Date(previousDequeue).toISOString(),
    });
  }

  async #download(exchange: Exchange, rawActivityId: string): Promise<void> {
    const queue = this.#exports.get(canonicalActivityId(rawActivityId));
    if (!queue) return this.#unknownActivity(exchange, rawActivityId, "export");
    const correlationId = exchange.url.searchParams.get("correlation-id") ?? "";
    const blobId = exchange.url.searchParams.get("blob") ?? "";
    const message = queue.find(correlationId.toLowerCase());
    if (!message?.body || message.blobId !== blobId.toLowerCase()) {
      return exchange.json(404, fnoError("Not Found", `No file exists for correlation-id '${correlationId}' and blob '${blobId}'.`));
    }
    const opened = await message.body.open();
    // The content type of real downloads was never observed; octet-stream claims nothing.
    const headers: Record<string, string> = { "content-type": "application/octet-stream" };
    // With Range support: a strong ETag from the content, and a range only while If-Range (if sent) still matches it.
    const etag = `"${message.sha256.slice(0, 32)}"`;
    const ifRange = exchange.header("if-range");
    const start = this.#rangeRequests && (ifRange === undefined || ifRange === etag) ? rangeStart(exchange.header("range"), opened.size) : undefined;
    if (this.#rangeRequests) Object.assign(headers, { etag, "accept-ranges": "bytes" });
    if (start !== undefined) headers["content-range"] = `bytes ${start}-${opened.size - 1}/${opened.size}`;
    const { sent, complete } =
      start === undefined
        ? await exchange.stream(200, headers, opened.size, opened.stream)
        : await exchange.stream(206, headers, opened.size - start, fromOffset(opened.stream, start));
    this.#counters.add("downloadBytes", sent);
    this.#counters.add(complete ? "downloads" : "downloadsAborted");
  }

  async #ack(exchange: Exchange, rawActivityId: string): Promise<void> {
    const queue = this.#exports.get(canonicalActivityId(rawActivityId));
    if (!queue) return this.#unknownActivity(exchange, rawActivityId, "export");
    const body = await this.#readJsonObject(exchange);
    if (!body) return;
    const { CorrelationId: correlationId, PopReceipt: popReceipt } = body;
    if (typeof correlationId !== "string" || typeof popReceipt !== "string") {
      return exchange.json(400, fnoError("Bad Request", "The ack body must be the dequeue response, with CorrelationId and PopReceipt strings."));
    }
    const result = queue.ack(correlationId.toLowerCase(), popReceipt, this.clock.now());
    if (result === "acked" || result === "repeated") {
      this.#counters.add(result === "acked" ? "acks" : "repeatedAcks");
      return exchange.empty(200);
    }
    if (result === "stale") this.#counters.add("staleAcks");
    const detail =
      result === "stale"
        ? `The PopReceipt for message '${correlationId}' is not the one from its latest dequeue; the message was dequeued again since.`
        : `No dequeued message has the CorrelationId '${correlationId}'.`;
    await exchange.json(400, fnoError("Bad Request", detail));
  }

  async #enqueue(exchange: Exchange, rawActivityId: string): Promise<void> {
    const activityId = canonicalActivityId(rawActivityId);
    if (!this.#importActivities.has(activityId)) return this.#unknownActivity(exchange, rawActivityId, "import");
    const hash = createHash("sha256");
    let size = 0;
    const read = await readBody(exchange.req, this.#maxEnqueueBytes, (chunk) => {
      hash.update(chunk);
      size += chunk.length;
    });
    if (read === "too-large") {
      // The rest of the upload is not read; closing the connection is the only way to stop it.
      const detail = `The request body is larger than the ${this.#maxEnqueueBytes} bytes this environment accepts.`;
      return exchange.json(413, fnoError("Request Entity Too Large", detail), { "content-type": JSON_TYPE, connection: "close" });
    }
    if (size === 0) return exchange.json(400, fnoError("Bad Request", "The request body is empty; send the file or package to import."));
    const query = exchange.url.searchParams;
    const message = this.#imports.enqueue(
      {
        activityId,
        entity: query.get("entity") ?? undefined,
        company: query.get("company") ?? undefined,
        externalIdentifier: exchange.header("x-ms-dyn-externalidentifier"),
        contentType: exchange.header("content-type"),
        size,
        sha256: hash.digest("hex"),
      },
      this.clock.now(),
      this.#ids,
    );
    this.#counters.add("enqueued");
    // The message ID comes back as a JSON string literal.
    await exchange.json(200, message.messageId);
  }

  /** A data management action: OData request rules, the action's parameters, its result in the OData envelope. */
  async #action(exchange: Exchange, name: string, spec: ActionSpec): Promise<void> {
    const headers = exchange.req.headers;
    if (!acceptsJson(headers.accept)) {
      return exchange.json(406, fnoError("Not Acceptable", `The Accept header '${headers.accept}' does not allow application/json.`));
    }
    // OData v4 §8.1.5, §8.2.7: a request may name the version it speaks and the highest it understands.
    const version = exchange.header("odata-version");
    if (version !== undefined && version.trim() !== "4.0") {
      return exchange.json(400, fnoError("Bad Request", `OData-Version '${version}' is not supported; this service speaks 4.0.`));
    }
    const maxVersion = exchange.header("odata-maxversion");
    if (maxVersion !== undefined && !(Number(maxVersion) >= 4)) {
      return exchange.json(400, fnoError("Bad Request", `OData-MaxVersion '${maxVersion}' is below 4.0, the only version this service speaks.`));
    }
    const body = await this.#readJsonObject(exchange);
    if (!body) return;
    const expected = Object.keys(spec.parameters);
    const unknown = Object.keys(body).find((parameter) => !(parameter in spec.parameters));
    if (unknown !== undefined) {
      const list = expected.map((parameter) => `'${parameter}'`).join(", ");
      return exchange.json(400, fnoError("Bad Request", `The parameter '${unknown}' in the request payload is not a valid parameter for the operation; expected ${list}.`));
    }
    for (const [parameter, type] of Object.entries(spec.parameters)) {
      if (typeof body[parameter] !== type) {
        return exchange.json(400, fnoError("Bad Request", `The parameter '${parameter}' is missing or is not a ${type}.`));
      }
    }
    let value: ActionResult;
    try {
      value = await spec.run(body as Record<string, ActionResult>, this.clock.now());
    } catch (err) {
      if (!(err instanceof ActionFailure)) throw err;
      // F&O wraps an action's exception in a 500 that names the action (RIS issue #71 shows one).
      return err.status >= 500
        ? exchange.json(err.status, fnoError("An error has occurred.", `Exception occurred while executing action ${name} on Entity DataManagementDefinitionGroup: ${err.message}`))
        : exchange.json(err.status, fnoError(STATUS_CODES[err.status] ?? "Error", err.message));
    }
    const returns = spec.returns ?? "Edm.String";
    const envelopeValue = spec.nestable && this.#packages.nestedValues ? { value } : value;
    await exchange.json(200, { "@odata.context": `${this.url}/data/$metadata#${returns}`, value: envelopeValue }, ODATA_JSON_HEADERS);
  }

  /** A JSON object body, or undefined after answering 415/413/400 for anything else. */
  async #readJsonObject(exchange: Exchange): Promise<Record<string, unknown> | undefined> {
    const contentType = exchange.req.headers["content-type"];
    if (!isJsonUtf8(contentType)) {
      await exchange.json(415, fnoError("Unsupported Media Type", `The Content-Type must be application/json (UTF-8), not '${contentType ?? "(none)"}'.`));
      return undefined;
    }
    const chunks = await readBody(exchange.req, JSON_BODY_LIMIT);
    if (chunks === "too-large") {
      await exchange.json(413, fnoError("Request Entity Too Large", `JSON bodies are limited to ${JSON_BODY_LIMIT} bytes.`), { "content-type": JSON_TYPE, connection: "close" });
      return undefined;
    }
    let value: unknown;
    try {
      value = JSON.parse(Buffer.concat(chunks).toString("utf8"));
    } catch (err) {
      await exchange.json(400, fnoError("Bad Request", `The request body is not valid JSON: ${(err as Error).message}`));
      return undefined;
    }
    if (typeof value !== "object" || value === null || Array.isArray(value)) {
      await exchange.json(400, fnoError("Bad Request", "The request body must be a JSON object."));
      return undefined;
    }
    return value as Record<string, unknown>;
  }

  /** F&O answers 500 for an activity ID that names no job (RIS validates a connection this way). */
  async #unknownActivity(exchange: Exchange, rawActivityId: string, direction: "export" | "import"): Promise<void> {
    let shown = rawActivityId;
    try {
      shown = decodeURIComponent(rawActivityId);
    } catch {
      // Show it as sent.
    }
    await exchange.json(500, fnoError("An error has occurred.", `No recurring ${direction} job has the activity ID '${shown}'.`));
  }
}

/** The 429 text of F&O's resource-based throttling. */
const THROTTLED_TEXT =
  "This request could not be processed at this time due to system experiencing high resource utilization.";

/** Azure storage's code and message for a status a fault rule injects on the blob store. */
function azureFault(status: number, text: string): AzureError {
  if (status === 500) return { status, code: "InternalError", message: `The server encountered an internal error. Please retry the request. ${text}` };
  if (status === 503 || status === 429) return { status, code: "ServerBusy", message: `The server is currently unable to receive requests. Please retry your request. ${text}` };
  return { status, code: "SimulatedFault", message: text };
}

function unbrace(id: string): string {
  return id.trim().replace(/^\{(.*)\}$/, "$1");
}
