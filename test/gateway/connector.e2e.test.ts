/**
 * Our connector's operations through the gateway against a loopback server. Bodies follow
 * ../shared/reference/fno-api.md §1 (dequeue message, enqueue's JSON-string message ID, GetMessageStatus
 * result) and §4.1 (the OData error with F&O's Infolog text in innererror.message).
 */
import path from "node:path";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { placeholderConfig } from "../../src/compile/config.ts";
import { compileConnector } from "../../src/compile/index.ts";
import { buildRequest, invoke, ResponseError } from "../../src/gateway/index.ts";
import { downloadPathOf } from "../../src/workflows/download-path.ts";
import { repoRoot } from "../support/shared.ts";
import { connectorPackage } from "./support/connector.ts";
import { startEnvironment, type Environment } from "./support/server.ts";

const activityId = "{6D31E09F-0A51-4F1C-9E0B-2F7A1C3B9D11}";
const activityPath = "%7B6D31E09F-0A51-4F1C-9E0B-2F7A1C3B9D11%7D";
const pkg = connectorPackage();
let env: Environment;
let connection: Record<string, string>;

beforeAll(async () => {
  env = await startEnvironment();
  connection = { token: "test-token", "token:resourceUri": env.url };
});
afterAll(() => env.close());
beforeEach(() => {
  env.received.length = 0;
});

const json = (status: number, body: unknown) => ({ status, headers: { "content-type": "application/json; odata.metadata=minimal" }, body: JSON.stringify(body) });

describe("our connector through the gateway", () => {
  it("Dequeue returns the message and calls the activity's queue with the connection's token", async () => {
    const message = {
      CorrelationId: "5acd8121-d4e1-4cf8-b31f-9713de3e3627",
      PopReceipt: "AgAAAAMAAAAAAAAA3XpSEQ0b1QE=",
      DownloadLocation: `${env.url}/api/connector/download/${activityPath}?correlation-id=5acd8121-d4e1-4cf8-b31f-9713de3e3627&blob=b1`,
      IsDownLoadFileExist: true,
      FileDownLoadErrorMessage: "",
      LastDequeueDateTime: null,
    };
    env.answer(`GET /api/connector/dequeue/${activityPath}`, json(200, message));
    const result = await invoke(pkg, "Dequeue", { parameters: { activityId }, connection });
    expect(result.outputs).toEqual(message);
    expect(env.received).toHaveLength(1);
    expect(env.received[0]).toMatchObject({ method: "GET", url: `/api/connector/dequeue/${activityPath}`, headers: { authorization: "Bearer test-token" } });
  });

  it("Dequeue on an empty queue answers 204 with no outputs", async () => {
    env.answer(`GET /api/connector/dequeue/${activityPath}`, { status: 204 });
    expect(await invoke(pkg, "Dequeue", { parameters: { activityId }, connection })).toMatchObject({ status: 204, outputs: undefined });
  });

  it("Download fetches the Download location's path and query on the connection's host, escapes intact, and returns the bytes", async () => {
    const zip = new Uint8Array([0x50, 0x4b, 0x05, 0x06, ...new Array<number>(18).fill(0)]);
    env.answer(`GET /api/connector/download/${activityPath}`, { status: 200, headers: { "content-type": "application/octet-stream" }, body: zip });
    const location = `${env.url}/api/connector/download/${activityPath}?correlation-id=c1&blob=b1`;
    const result = await invoke(pkg, "Download", { parameters: { downloadPath: downloadPathOf(location) }, connection });
    expect(result.outputs).toEqual(zip);
    expect(env.received[0]).toMatchObject({ method: "GET", url: `/api/connector/download/${activityPath}?correlation-id=c1&blob=b1` });
    expect(env.received[0]?.headers.authorization).toBe("Bearer test-token");
  });

  it("Acknowledge posts the dequeued message as JSON; an empty 200 means no outputs", async () => {
    env.answer(`POST /api/connector/ack/${activityPath}`, { status: 200 });
    const message = { CorrelationId: "c1", PopReceipt: "p1", DownloadLocation: "https://env/api/connector/download/x?blob=b" };
    const result = await invoke(pkg, "Acknowledge", { parameters: { activityId, message }, connection });
    expect(result.outputs).toBeUndefined();
    expect(env.received[0]?.headers["content-type"]).toBe("application/json");
    expect(JSON.parse(env.received[0]?.body.toString("utf8") ?? "")).toEqual(message);
  });

  it("Enqueue uploads the bytes with entity, company and external identifier, and returns the message ID", async () => {
    env.answer(`POST /api/connector/enqueue/${activityPath}`, json(200, "84a383c8-336d-45e4-9933-0c3e8bfb734a"));
    const content = new TextEncoder().encode("ID,NAME\n1,Contoso\n");
    const result = await invoke(pkg, "Enqueue", {
      parameters: { activityId, entity: "Customer groups", company: "USMF", "x-ms-dyn-externalidentifier": "groups.csv", package: content },
      connection,
    });
    expect(result.outputs).toBe("84a383c8-336d-45e4-9933-0c3e8bfb734a");
    const sent = env.received[0];
    expect(sent?.url).toBe(`/api/connector/enqueue/${activityPath}?entity=Customer%20groups&company=USMF`);
    expect(sent?.headers["x-ms-dyn-externalidentifier"]).toBe("groups.csv");
    expect(new Uint8Array(sent?.body ?? [])).toEqual(content);
  });

  it("GetMessageStatus sends the OData headers and returns the status", async () => {
    const route = "/data/DataManagementDefinitionGroups/Microsoft.Dynamics.DataEntities.GetMessageStatus";
    env.answer(`POST ${route}`, json(200, { "@odata.context": `${env.url}/data/$metadata#Edm.String`, value: "Processed" }));
    const result = await invoke(pkg, "GetMessageStatus", { parameters: { request: { messageId: "m1" } }, connection });
    expect(result.outputs).toEqual({ "@odata.context": `${env.url}/data/$metadata#Edm.String`, value: "Processed" });
    expect(env.received[0]?.headers).toMatchObject({ "odata-version": "4.0", "odata-maxversion": "4.0", "content-type": "application/json" });
    expect(JSON.parse(env.received[0]?.body.toString("utf8") ?? "")).toEqual({ messageId: "m1" });
  });

  it("a 403 rejects with the status and F&O's Infolog text", async () => {
    const infolog = "The application is not registered under Microsoft Entra applications.";
    env.answer(`GET /api/connector/dequeue/${activityPath}`, json(403, { error: { code: "", message: "An error has occurred.", innererror: { message: infolog, type: "X" } } }));
    const error = await invoke(pkg, "Dequeue", { parameters: { activityId }, connection }).catch((err: unknown) => err);
    expect(error).toBeInstanceOf(ResponseError);
    expect(error).toMatchObject({ status: 403, odata: { innerMessage: infolog } });
    expect((error as ResponseError).message).toBe(`operation Dequeue failed with HTTP 403: An error has occurred.: ${infolog}`);
  });

  it("runs the compiler's CompiledConnector as it is, without writing it", () => {
    const { connector } = compileConnector(path.join(repoRoot, "connector"), placeholderConfig);
    expect(buildRequest(connector, "Dequeue", { parameters: { activityId }, connection }).url).toBe(`${env.url}/api/connector/dequeue/${activityPath}`);
  });
});
