import { describe, expect, it } from "vitest";
import { buildRequest, GatewayError, type ConnectorPackage, type OperationInputs } from "../../src/gateway/index.ts";
import { fixtureConnection, fixturePackage } from "./support/fixture.ts";

const build = (pkg: ConnectorPackage, operationId: string, parameters: Record<string, unknown> = {}, connection: Record<string, string> = fixtureConnection) =>
  buildRequest(pkg, operationId, { parameters, connection } satisfies OperationInputs);

function gatewayError(run: () => unknown): GatewayError {
  try {
    run();
  } catch (err) {
    if (err instanceof GatewayError) return err;
    throw err;
  }
  throw new Error("expected a GatewayError");
}

describe("buildRequest: URL", () => {
  it("prefers https from schemes, appends basePath and the path, and sends internal defaults", () => {
    const request = build(fixturePackage(), "GetItem", { itemId: "a b/c" });
    expect(request.method).toBe("GET");
    expect(request.url).toBe("https://api.example.com/v1/items/a%20b/c?api-version=2024-01");
  });

  it("double-encodes a path parameter marked x-ms-url-encoding: double", () => {
    expect(build(fixturePackage(), "GetFile", { path: "dir/file name.txt" }).url).toBe("https://api.example.com/v1/files/dir%2Ffile%20name.txt");
  });

  it("writes arrays per collectionFormat (csv by default, multi repeats) and lets a caller override an internal default", () => {
    const request = build(fixturePackage(), "GetItem", { itemId: "1", tags: ["x", "y z"], ids: [1, 2], "api-version": "2025-01" });
    expect(new URL(request.url).search).toBe("?tags=x%2Cy%20z&ids=1&ids=2&api-version=2025-01");
  });

  it("uses the only scheme when https is not listed", () => {
    expect(build(fixturePackage({}, { schemes: ["http"] }), "GetFile", { path: "a" }).url).toBe("http://api.example.com/v1/files/a");
  });

  it("refuses an operation without a host when no dynamichosturl applies", () => {
    const error = gatewayError(() => build(fixturePackage({}, { host: undefined }), "GetFile", { path: "a" }));
    expect(error.kind).toBe("package");
    expect(error.message).toBe('operation GetFile has no host: the definition sets no "host" and no dynamichosturl policy applies');
  });
});

describe("buildRequest: parameters", () => {
  it("names a missing required parameter and where it is declared", () => {
    const error = gatewayError(() => build(fixturePackage(), "GetItem"));
    expect(error.kind).toBe("input");
    expect(error.message).toBe("operation GetItem: required parameter 'itemId' (in path) has no value (apiDefinition.swagger.json#/parameters/itemId)");
  });

  it("names an unknown parameter and lists the known ones", () => {
    const error = gatewayError(() => build(fixturePackage(), "GetFile", { path: "a", pth: "b" }));
    expect(error.message).toBe("operation GetFile has no parameter 'pth'; its parameters: path (path)");
  });

  it("names an unknown operation, suggesting one that differs only in case", () => {
    expect(gatewayError(() => build(fixturePackage(), "getitem")).message).toBe("no operation 'getitem' in apiDefinition.swagger.json (did you mean GetItem?)");
    expect(gatewayError(() => build(fixturePackage(), "Nope")).kind).toBe("operation");
  });

  it("refuses an object where a header value goes", () => {
    expect(() => build(fixturePackage(), "GetItem", { itemId: "1", "X-Trace": { a: 1 } })).toThrow(
      "operation GetItem: parameter 'X-Trace' (in header) must be a string, number or boolean, found an object",
    );
  });

  it("sends header parameters and the connection's OAuth token", () => {
    const request = build(fixturePackage(), "GetItem", { itemId: "1", "X-Trace": 42 });
    expect(request.headers).toEqual({ "x-trace": "42", authorization: "Bearer access-token" });
  });

  it("asks for the OAuth token when the connection has none", () => {
    expect(() => build(fixturePackage(), "GetFile", { path: "a" }, {})).toThrow(
      "operation GetFile needs connection parameter 'token' (an OAuth access token)",
    );
  });

  it("puts an API key where the security definition says, from the api_key connection parameter", () => {
    const pkg = fixturePackage(
      { connectionParameters: { api_key: { type: "securestring" } } },
      { securityDefinitions: { key: { type: "apiKey", in: "header", name: "X-Api-Key" } }, security: [{ key: [] }] },
    );
    expect(build(pkg, "GetFile", { path: "a" }, { api_key: "k" }).headers).toEqual({ "x-api-key": "k" });
  });
});

describe("buildRequest: bodies", () => {
  it("serialises a JSON body with the defaults of internal properties filled in", () => {
    const request = build(fixturePackage(), "PutItem", { itemId: "1", item: { name: "n" } });
    expect(request.headers["content-type"]).toBe("application/json");
    expect(JSON.parse(request.body as string)).toEqual({ name: "n", kind: "standard" });
    const given = build(fixturePackage(), "PutItem", { itemId: "1", item: { name: "n", kind: "special" } });
    expect(JSON.parse(given.body as string)).toEqual({ name: "n", kind: "special" });
  });

  it("sends a binary body as the bytes given, typed by consumes", () => {
    const bytes = new Uint8Array([0x50, 0x4b, 3, 4]);
    const request = build(fixturePackage(), "Upload", { content: bytes });
    expect(request.body).toBe(bytes);
    expect(request.headers["content-type"]).toBe("application/octet-stream");
    expect(() => build(fixturePackage(), "Upload", { content: { not: "bytes" } })).toThrow(/is binary and takes bytes/);
  });

  it("sends a string body of a non-JSON media type as text", () => {
    const request = build(fixturePackage(), "PostNote", { note: "hello" });
    expect(request).toMatchObject({ body: "hello", headers: { "content-type": "text/plain" } });
  });

  it("writes formData as urlencoded, or as multipart when consumes says so", async () => {
    const form = build(fixturePackage(), "PostForm", { grant_type: "client_credentials", scope: "a b" });
    expect(form).toMatchObject({ body: "grant_type=client_credentials&scope=a%20b", headers: { "content-type": "application/x-www-form-urlencoded" } });
    const multipart = build(fixturePackage(), "PostFile", { file: new Uint8Array([1, 2]), label: "l" });
    expect(multipart.body).toBeInstanceOf(FormData);
    const file = (multipart.body as FormData).get("file") as Blob;
    expect(new Uint8Array(await file.arrayBuffer())).toEqual(new Uint8Array([1, 2]));
    expect(multipart.headers["content-type"]).toBeUndefined();
  });
});

describe("buildRequest: policies", () => {
  const header = (name: string, value: string, scope?: string[]) => ({
    templateId: "setheader",
    parameters: {
      "x-ms-apimTemplateParameter.name": name,
      "x-ms-apimTemplateParameter.value": value,
      "x-ms-apimTemplate-policySection": "Request",
      ...(scope ? { "x-ms-apimTemplate-operationName": scope } : {}),
    },
  });

  it("runs Request policies in array order, scoped by operation name (absent or empty means all)", () => {
    const pkg = fixturePackage({
      policyTemplateInstances: [
        header("X-A", "first"),
        { ...header("X-A", "second"), parameters: { ...header("X-A", "second").parameters, "x-ms-apimTemplate-operationName": [] } },
        header("X-B", "only-files", ["GetFile"]),
      ],
    });
    expect(build(pkg, "GetFile", { path: "p" }).headers).toMatchObject({ "x-a": "second", "x-b": "only-files" });
    expect(build(pkg, "Upload", { content: "x" }).headers["x-b"]).toBeUndefined();
  });

  it("composes dynamichosturl with the operation path and the request query", () => {
    const pkg = fixturePackage({
      policyTemplateInstances: [
        { templateId: "DynamicHostUrl", parameters: { "x-ms-apimTemplateParameter.urlTemplate": "@connectionParameters('url')/tenant?sig=1" } },
      ],
    });
    expect(build(pkg, "GetItem", { itemId: "7" }, { ...fixtureConnection, url: "https://t.example.com" }).url).toBe(
      "https://t.example.com/tenant/items/7?sig=1&api-version=2024-01",
    );
  });

  it("policies see the credentials already set (Bearer @headers('Authorization'))", () => {
    const pkg = fixturePackage({ policyTemplateInstances: [header("Authorization", "Bearer @headers('Authorization')")] });
    expect(build(pkg, "GetFile", { path: "p" }).headers["authorization"]).toBe("Bearer Bearer access-token");
  });

  it("refuses an operation an unsupported template applies to, naming the template and the operation", () => {
    const pkg = fixturePackage({
      policyTemplateInstances: [{ templateId: "pollingtrigger", parameters: { "x-ms-apimTemplate-operationName": ["GetItem"] } }],
    });
    const error = gatewayError(() => build(pkg, "GetItem", { itemId: "1" }));
    expect(error.kind).toBe("unsupported");
    expect(error.message).toBe("policy template 'pollingtrigger' is not supported by the gateway yet (operation GetItem)");
    expect(build(pkg, "GetFile", { path: "p" }).url).toContain("/files/p");
  });

  it("refuses a policy section the gateway does not run", () => {
    const failure = header("X-A", "b");
    const pkg = fixturePackage({ policyTemplateInstances: [{ ...failure, parameters: { ...failure.parameters, "x-ms-apimTemplate-policySection": "Failure" } }] });
    expect(() => build(pkg, "GetFile", { path: "p" })).toThrow(
      "policy section 'Failure' of policy template 'setheader' (apiProperties.json#/properties/policyTemplateInstances/0) is not supported by the gateway yet (operation GetFile)",
    );
  });

  it("names the instance when a policy cannot be evaluated", () => {
    const pkg = fixturePackage({ policyTemplateInstances: [{ templateId: "setheader", title: "Key", parameters: { "x-ms-apimTemplateParameter.name": "K", "x-ms-apimTemplateParameter.value": "@connectionParameters('key')" } }] });
    expect(() => build(pkg, "GetFile", { path: "p" })).toThrow(
      `policy template 'setheader' "Key" (apiProperties.json#/properties/policyTemplateInstances/0) (operation GetFile): "@connectionParameters('key')": connection parameter 'key' is not set`,
    );
  });

  it("matches connection parameter names without regard to case when no exact match exists", () => {
    const pkg = fixturePackage({ policyTemplateInstances: [header("X-Host", "@connectionParameters('HostUrl')")] });
    expect(build(pkg, "GetFile", { path: "p" }, { ...fixtureConnection, hostUrl: "h" }).headers["x-host"]).toBe("h");
  });

  it("refuses operations that run a script, and all of them when scriptOperations is empty", () => {
    expect(() => build(fixturePackage({ scriptOperations: ["GetFile"] }), "GetFile", { path: "p" })).toThrow(
      "operation GetFile runs custom code (script.csx), which the gateway does not run",
    );
    expect(() => build(fixturePackage({ scriptOperations: [] }), "Upload", { content: "x" })).toThrow(/runs custom code/);
    expect(build(fixturePackage({ scriptOperations: ["GetFile"] }), "Upload", { content: "x" }).method).toBe("POST");
  });
});
