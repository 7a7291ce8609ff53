import { afterEach, describe, expect, it, vi } from "vitest";
import { invoke, ResponseError, type ConnectorPackage } from "../../src/gateway/index.ts";
import { fixtureConnection, fixturePackage } from "./support/fixture.ts";

/** A fetch that answers every call with `response` and remembers what it was asked. */
function answering(response: () => Response) {
  const calls: { url: string; init: RequestInit }[] = [];
  const fetch = vi.fn(async (url: string | URL | Request, init?: RequestInit) => {
    calls.push({ url: String(url), init: init ?? {} });
    return response();
  });
  return { fetch: fetch as unknown as typeof globalThis.fetch, calls };
}

const jsonResponse = (status: number, body: unknown, headers: Record<string, string> = {}) =>
  new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json", ...headers } });

async function rejection(promise: Promise<unknown>): Promise<ResponseError> {
  const error = await promise.then(
    () => undefined,
    (err: unknown) => err,
  );
  if (error instanceof ResponseError) return error;
  throw new Error(`expected a ResponseError, got ${String(error)}`);
}

const inputs = { parameters: { itemId: "1" }, connection: fixtureConnection };

describe("invoke", () => {
  afterEach(() => vi.unstubAllGlobals());

  it("sends the built request and returns the validated JSON outputs", async () => {
    const { fetch, calls } = answering(() => jsonResponse(200, { name: "n", owner: null }));
    const result = await invoke(fixturePackage(), "GetItem", inputs, { fetch });
    expect(result).toEqual({ status: 200, headers: { "content-type": "application/json" }, outputs: { name: "n", owner: null } });
    expect(calls[0]?.url).toBe("https://api.example.com/v1/items/1?api-version=2024-01");
    expect(calls[0]?.init).toMatchObject({ method: "GET", redirect: "manual", headers: { authorization: "Bearer access-token" } });
  });

  it("names operation, status, schema and the failing pointer when the body breaks the schema", async () => {
    const { fetch } = answering(() => jsonResponse(200, { name: 5 }));
    const error = await rejection(invoke(fixturePackage(), "GetItem", inputs, { fetch }));
    expect(error.kind).toBe("schema");
    expect(error.message).toBe(
      "operation GetItem: response 200 does not match the declared schema (apiDefinition.swagger.json#/definitions/Item): /name must be string",
    );
  });

  it("refuses a 2xx status the operation does not declare", async () => {
    const { fetch } = answering(() => jsonResponse(201, { name: "n" }));
    const error = await rejection(invoke(fixturePackage(), "GetItem", inputs, { fetch }));
    expect(error).toMatchObject({ kind: "undeclared-status", status: 201, operationId: "GetItem" });
    expect(error.message).toBe("operation GetItem: response status 201 is not declared in its responses");
  });

  it("rejects a non-2xx answer with its status and the OData error text", async () => {
    const body = { error: { code: "", message: "An error has occurred.", innererror: { message: "Infolog: job not found", type: "X" } } };
    const { fetch } = answering(() => jsonResponse(404, body));
    const error = await rejection(invoke(fixturePackage(), "GetItem", inputs, { fetch }));
    expect(error).toMatchObject({
      kind: "status",
      status: 404,
      odata: { code: undefined, message: "An error has occurred.", innerMessage: "Infolog: job not found" },
      body,
    });
    expect(error.message).toBe("operation GetItem failed with HTTP 404: An error has occurred.: Infolog: job not found");
  });

  it("reports a redirect instead of following it", async () => {
    const { fetch } = answering(() => new Response(null, { status: 302, headers: { location: "https://login.example.com/" } }));
    const error = await rejection(invoke(fixturePackage(), "GetItem", inputs, { fetch }));
    expect(error.message).toBe(
      "operation GetItem failed with HTTP 302 (a status the operation does not declare) (redirect to https://login.example.com/; the gateway does not follow redirects)",
    );
  });

  it("treats an empty 200 body as no outputs even where an object schema is declared", async () => {
    const { fetch } = answering(() => new Response("", { status: 200 }));
    const result = await invoke(fixturePackage(), "PutItem", { parameters: { itemId: "1", item: { name: "n" } }, connection: fixtureConnection }, { fetch });
    expect(result.outputs).toBeUndefined();
  });

  it("returns a binary output as bytes, or as the unread stream", async () => {
    const bytes = new Uint8Array([0x50, 0x4b, 5, 6]);
    const parameters = { parameters: { path: "a.zip" }, connection: fixtureConnection };
    const asBytes = await invoke(fixturePackage(), "GetFile", parameters, { fetch: answering(() => new Response(bytes)).fetch });
    expect(asBytes.outputs).toEqual(bytes);
    const asStream = await invoke(fixturePackage(), "GetFile", parameters, { fetch: answering(() => new Response(bytes)).fetch, binary: "stream" });
    expect(asStream.outputs).toBeInstanceOf(ReadableStream);
    expect(new Uint8Array(await new Response(asStream.outputs as ReadableStream).arrayBuffer())).toEqual(bytes);
  });

  it("accepts a plain-text body for a string schema", async () => {
    const { fetch } = answering(() => new Response("84a383c8-336d-45e4-9933-0c3e8bfb734a", { status: 200 }));
    const result = await invoke(fixturePackage(), "Upload", { parameters: { content: "x" }, connection: fixtureConnection }, { fetch });
    expect(result.outputs).toBe("84a383c8-336d-45e4-9933-0c3e8bfb734a");
  });

  it("applies Response-section policies before validating", async () => {
    const pkg: ConnectorPackage = fixturePackage({
      policyTemplateInstances: [
        {
          templateId: "setproperty",
          parameters: {
            "x-ms-apimTemplateParameter.newPropertyParentPathTemplate": "@body()",
            "x-ms-apimTemplateParameter.newPropertySubPathTemplate": "name",
            "x-ms-apimTemplateParameter.propertyValuePathTemplate": "renamed",
            "x-ms-apimTemplate-policySection": "Response",
          },
        },
        {
          templateId: "setheader",
          parameters: {
            "x-ms-apimTemplateParameter.name": "X-Seen",
            "x-ms-apimTemplateParameter.value": "yes",
            "x-ms-apimTemplate-policySection": "Response",
          },
        },
      ],
    });
    // Without the setproperty the body has no name and fails the schema: the order is part of what is tested.
    const result = await invoke(pkg, "GetItem", inputs, { fetch: answering(() => jsonResponse(200, { size: 1 })).fetch });
    expect(result.outputs).toEqual({ size: 1, name: "renamed" });
    expect(result.headers["x-seen"]).toBe("yes");
  });

  it("uses globalThis.fetch as it is at call time when no fetch is given", async () => {
    const { fetch, calls } = answering(() => jsonResponse(200, { name: "late" }));
    vi.stubGlobal("fetch", fetch);
    expect((await invoke(fixturePackage(), "GetItem", inputs)).outputs).toEqual({ name: "late" });
    expect(calls).toHaveLength(1);
  });

  it("passes the abort signal to fetch", async () => {
    const controller = new AbortController();
    const { fetch, calls } = answering(() => jsonResponse(200, { name: "n" }));
    await invoke(fixturePackage(), "GetItem", inputs, { fetch, signal: controller.signal });
    expect(calls[0]?.init.signal).toBe(controller.signal);
  });
});
