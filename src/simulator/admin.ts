import type { IncomingMessage, ServerResponse } from "node:http";
import { STATUS_CODES } from "node:http";
import { isJsonUtf8, malformedPath, readBody, sendJson } from "./http.ts";
import { toExportSeed, type ExportSeedRequest, type FaultOptions } from "./options.ts";
import { findProblem, findSeedVolumeProblem, validateClockAdvance, validateExportSeed } from "./schema.ts";
import { SimulatorConfigError } from "./errors.ts";
import type { SeededExport, Simulator } from "./simulator.ts";

/**
 * The admin API, for tests and tools in another process. No bearer token: the server listens on
 * 127.0.0.1 only. Bodies and answers are JSON; errors are OData-style, `{ "error": { "code", "message",
 * "target" } }` with 400, 404 or 405, `target` the JSON pointer of the offending field when there is one.
 * Every input is checked against its bounds before anything changes, so a refused request leaves the
 * simulator as it was.
 *
 *   GET  /_admin/connection                    SimulatorConnection
 *   GET  /_admin/counters                      CounterSnapshot
 *   POST /_admin/counters/reset                204
 *   PUT  /_admin/faults                        FaultOptions → 204 (replaces all faults)
 *   GET  /_admin/clock                         { now, frozen }
 *   POST /_admin/clock/advance                 { ms } → { now, frozen }
 *   POST /_admin/tokens/expire                 { expired }
 *   POST /_admin/export/{activityId}/messages  ExportSeedRequest | ExportSeedRequest[] → SeededExport[]
 *   GET  /_admin/export/{activityId}/messages  ExportMessageState[]
 *   GET  /_admin/import/{activityId}/messages  ImportMessageState[]
 *   GET  /_admin/package/executions            PackageExecutionState[] (status now, package SHA-256 and size)
 *   GET  /_admin/package/import-calls          ImportCall[] (every ImportFromPackage call, refused ones too)
 *   GET  /_admin/blobs                         BlobState[] (uploads, export packages, error files)
 */
export async function handleAdmin(simulator: Simulator, req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
  try {
    const answer = await route(simulator, req, url.pathname);
    if (answer === undefined) {
      res.writeHead(204).end();
    } else {
      sendJson(res, 200, answer);
    }
  } catch (err) {
    if (err instanceof AdminError) sendError(res, err.status, err.message, err.target, err.allow);
    else if (err instanceof SimulatorConfigError) sendError(res, 400, err.message, err.pointer || undefined);
    else throw err;
  }
}

class AdminError extends Error {
  readonly status: number;
  readonly target: string | undefined;
  readonly allow: string | undefined;
  constructor(status: number, message: string, options: { target?: string; allow?: string } = {}) {
    super(options.target ? `${options.target}: ${message}` : message);
    this.status = status;
    this.target = options.target;
    this.allow = options.allow;
  }
}

async function route(simulator: Simulator, req: IncomingMessage, path: string): Promise<unknown> {
  const method = req.method ?? "GET";
  const expect = (allowed: string) => {
    if (method !== allowed) throw new AdminError(405, `${method} is not allowed on ${path}; use ${allowed}.`, { allow: allowed });
  };
  const malformed = malformedPath(path);
  if (malformed) throw new AdminError(400, malformed);
  const messages = /^\/_admin\/(export|import)\/([^/]+)\/messages$/.exec(path);
  if (messages) {
    const [, direction, activityId] = messages as unknown as [string, "export" | "import", string];
    if (direction === "import") {
      expect("GET");
      return simulator.importMessages(activityId);
    }
    if (method === "GET") return simulator.exportMessages(activityId);
    expect("POST");
    return seedExports(simulator, activityId, await readJson(req));
  }
  switch (path) {
    case "/_admin/connection":
      expect("GET");
      return simulator.connection;
    case "/_admin/counters":
      expect("GET");
      return simulator.counters();
    case "/_admin/counters/reset":
      expect("POST");
      simulator.resetCounters();
      return undefined;
    case "/_admin/faults":
      expect("PUT");
      simulator.setFaults((await readJson(req)) as FaultOptions);
      return undefined;
    case "/_admin/clock":
      expect("GET");
      return clockState(simulator);
    case "/_admin/clock/advance": {
      expect("POST");
      const body = await readJson(req);
      const problem = findProblem(validateClockAdvance, body);
      if (problem) throw new AdminError(400, problem.message, { target: problem.pointer || "/ms" });
      try {
        simulator.clock.advance((body as { ms: number }).ms);
      } catch (err) {
        // The clock refuses, unchanged, a step past the last time it can show.
        throw new AdminError(400, (err as Error).message, { target: "/ms" });
      }
      return clockState(simulator);
    }
    case "/_admin/tokens/expire":
      expect("POST");
      return { expired: simulator.expireTokens() };
    case "/_admin/package/executions":
      expect("GET");
      return simulator.packageExecutions();
    case "/_admin/package/import-calls":
      expect("GET");
      return simulator.importCalls();
    case "/_admin/blobs":
      expect("GET");
      return simulator.blobs();
    default:
      throw new AdminError(404, `no admin endpoint at ${path}`);
  }
}

async function seedExports(simulator: Simulator, activityId: string, body: unknown): Promise<SeededExport[]> {
  const requests = Array.isArray(body) ? body : [body];
  // Check every request before queueing any, so a bad batch leaves the queue as it was.
  const pointerOf = (index: number) => (Array.isArray(body) ? `/${index}` : "");
  requests.forEach((request, index) => {
    const problem = findProblem(validateExportSeed, request);
    if (problem) throw new SimulatorConfigError(problem.message, pointerOf(index) + problem.pointer);
  });
  const volume = findSeedVolumeProblem((requests as ExportSeedRequest[]).map((request, index) => ({ pointer: pointerOf(index), request })));
  if (volume) throw new SimulatorConfigError(volume.message, volume.pointer);
  const seeded: SeededExport[] = [];
  for (const request of requests as ExportSeedRequest[]) {
    for (let i = 0; i < (request.count ?? 1); i++) seeded.push(await simulator.seedExport(activityId, toExportSeed(request)));
  }
  return seeded;
}

function clockState(simulator: Simulator): { now: string; frozen: boolean } {
  return { now: new Date(simulator.clock.now()).toISOString(), frozen: simulator.clock.frozen };
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  if (!isJsonUtf8(req.headers["content-type"])) throw new AdminError(400, "the body must be JSON (Content-Type: application/json)");
  const chunks = await readBody(req, 16 * 1024 * 1024);
  if (chunks === "too-large") throw new AdminError(400, "the body is larger than 16 MiB");
  try {
    return JSON.parse(Buffer.concat(chunks).toString("utf8"));
  } catch (err) {
    throw new AdminError(400, `the body is not valid JSON: ${(err as Error).message}`);
  }
}

/** An OData-style error: `code` is the status's name without spaces ("BadRequest"). */
function sendError(res: ServerResponse, status: number, message: string, target: string | undefined, allow?: string): void {
  const code = (STATUS_CODES[status] ?? "Error").replace(/\s+/g, "");
  sendJson(res, status, { error: { code, message, ...(target === undefined ? {} : { target }) } }, allow ? { allow } : {});
}
