import { createHash } from "node:crypto";
import { afterEach, expect } from "vitest";
import { SimulatedClock, startSimulator, type Simulator, type SimulatorOptions } from "../../src/simulator/index.ts";

/** 2025-01-01T00:00:00Z: a frozen clock makes every time in a test exact. */
export const START = Date.UTC(2025, 0, 1);

const running: Simulator[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((simulator) => simulator.close()));
});

/** A simulator on a frozen clock (unless the options bring their own), closed after the test. */
export async function start(options: SimulatorOptions = {}): Promise<Simulator> {
  const simulator = await startSimulator({ clock: new SimulatedClock({ frozen: true, start: START }), ...options });
  running.push(simulator);
  return simulator;
}

/** A v2 client-credentials token, requested the way MSAL does (scope `<environment>/.default`). */
export async function token(simulator: Simulator): Promise<string> {
  const c = simulator.connection;
  const response = await postForm(c.tokenUrlV2, {
    grant_type: "client_credentials",
    client_id: c.clientId,
    client_secret: c.clientSecret,
    scope: `${c.environmentUrl}/.default`,
  });
  if (response.status !== 200) throw new Error(`token request failed: ${response.status} ${await response.text()}`);
  return ((await response.json()) as { access_token: string }).access_token;
}

export function postForm(url: string, fields: Record<string, string>): Promise<Response> {
  return fetch(url, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams(fields),
  });
}

/** Calls the simulated environment with a bearer token; `json` bodies get the JSON content type. */
export function call(
  simulator: Simulator,
  bearer: string | undefined,
  path: string,
  init: { method?: string; json?: unknown; body?: RequestInit["body"]; headers?: Record<string, string> } = {},
): Promise<Response> {
  const headers: Record<string, string> = {
    ...(bearer === undefined ? {} : { authorization: `Bearer ${bearer}` }),
    ...(init.json === undefined ? {} : { "content-type": "application/json" }),
    ...init.headers,
  };
  const body = init.json === undefined ? init.body : JSON.stringify(init.json);
  return fetch(path.startsWith("http") ? path : simulator.url + path, { method: init.method ?? (body === undefined ? "GET" : "POST"), headers, body });
}

export interface DequeuedMessage {
  CorrelationId: string;
  PopReceipt: string;
  DownloadLocation: string | null;
  IsDownLoadFileExist: boolean;
  FileDownLoadErrorMessage: string;
  LastDequeueDateTime: string | null;
}

export const dequeuePath = (activityId: string) => `/api/connector/dequeue/${activityId}`;
export const ackPath = (activityId: string) => `/api/connector/ack/${activityId}`;
export const actionPath = (name: string) => `/data/DataManagementDefinitionGroups/Microsoft.Dynamics.DataEntities.${name}`;

export const sha256 = (bytes: Uint8Array) => createHash("sha256").update(bytes).digest("hex");

interface Envelope {
  "@odata.context": string;
  value: unknown;
}

/** Calls a data management action and returns the HTTP status with the parsed body. */
export async function invoke(simulator: Simulator, bearer: string, name: string, body: Record<string, unknown>): Promise<{ status: number; body: unknown }> {
  const response = await call(simulator, bearer, actionPath(name), { json: body, headers: { accept: "application/json" } });
  return { status: response.status, body: await response.json() };
}

/** Calls an action that must succeed; returns `value`, after checking the OData envelope. */
export async function action(simulator: Simulator, bearer: string, name: string, body: Record<string, unknown>, type = "Edm.String"): Promise<unknown> {
  const { status, body: envelope } = await invoke(simulator, bearer, name, body);
  expect(status, JSON.stringify(envelope)).toBe(200);
  expect(Object.keys(envelope as object).sort()).toEqual(["@odata.context", "value"]);
  expect((envelope as Envelope)["@odata.context"]).toBe(`${simulator.url}/data/$metadata#${type}`);
  return (envelope as Envelope).value;
}

/** The F&O error text of an OData error body. */
export function innerMessage(body: unknown): string {
  return (body as { error: { innererror: { message: string } } }).error.innererror.message;
}
