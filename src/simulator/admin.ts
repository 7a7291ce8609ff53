import type { IncomingMessage, ServerResponse } from "node:http";
import { JSON_TYPE, isJsonUtf8, readBody } from "./http.ts";
import { toExportSeed, type ExportSeedRequest, type FaultOptions } from "./options.ts";
import { findProblem, validateExportSeed } from "./schema.ts";
import { SimulatorConfigError } from "./errors.ts";
import type { SeededExport, Simulator } from "./simulator.ts";

/**
 * The admin API, for tests and tools in another process. No bearer token: the server listens on
 * 127.0.0.1 only. Bodies and answers are JSON; errors are `{ "error": "<text>" }` with 400, 404 or 405.
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
 */
export async function handleAdmin(simulator: Simulator, req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
  try {
    const answer = await route(simulator, req, url.pathname);
    if (answer === undefined) {
      res.writeHead(204).end();
    } else {
      send(res, 200, answer);
    }
  } catch (err) {
    if (err instanceof AdminError) send(res, err.status, { error: err.message }, err.allow);
    else if (err instanceof SimulatorConfigError) send(res, 400, { error: err.message });
    else throw err;
  }
}

class AdminError extends Error {
  readonly status: number;
  readonly allow: string | undefined;
  constructor(status: number, message: string, allow?: string) {
    super(message);
    this.status = status;
    this.allow = allow;
  }
}

async function route(simulator: Simulator, req: IncomingMessage, path: string): Promise<unknown> {
  const method = req.method ?? "GET";
  const expect = (allowed: string) => {
    if (method !== allowed) throw new AdminError(405, `${method} is not allowed on ${path}; use ${allowed}.`, allowed);
  };
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
      const { ms } = (await readJson(req)) as { ms?: unknown };
      if (typeof ms !== "number") throw new AdminError(400, "the body must be { \"ms\": <milliseconds to move forward> }");
      try {
        simulator.clock.advance(ms);
      } catch (err) {
        throw new AdminError(400, (err as Error).message);
      }
      return clockState(simulator);
    }
    case "/_admin/tokens/expire":
      expect("POST");
      return { expired: simulator.expireTokens() };
    default:
      throw new AdminError(404, `no admin endpoint at ${path}`);
  }
}

async function seedExports(simulator: Simulator, activityId: string, body: unknown): Promise<SeededExport[]> {
  const requests = Array.isArray(body) ? body : [body];
  // Check every request before queueing any, so a bad batch leaves the queue as it was.
  requests.forEach((request, index) => {
    const problem = findProblem(validateExportSeed, request);
    if (problem) throw new SimulatorConfigError(problem.message, Array.isArray(body) ? `/${index}${problem.pointer}` : problem.pointer);
  });
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

function send(res: ServerResponse, status: number, value: unknown, allow?: string): void {
  const body = Buffer.from(JSON.stringify(value));
  res.writeHead(status, { "content-type": JSON_TYPE, "content-length": body.length, ...(allow ? { allow } : {}) });
  res.end(body);
}
