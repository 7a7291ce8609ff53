/**
 * The connection's token reaches only the connection's environment, whatever a flow passes to Download.
 * Two loopback servers: the connection's environment, and a "foreign" host that each hostile input names
 * one way or another. The gateway emulates the platform's URL composition as it is (no extra check of its
 * own); the safety comes from the connector's design, a template that writes the connection's URL and a
 * literal "/" before anything taken from the input.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { buildRequest, invoke } from "../../src/gateway/index.ts";
import { connectorPackage } from "./support/connector.ts";
import { startEnvironment, type Environment } from "./support/server.ts";

const pkg = connectorPackage();
let env: Environment;
let foreign: Environment;
let connection: Record<string, string>;

beforeAll(async () => {
  [env, foreign] = await Promise.all([startEnvironment(), startEnvironment()]);
  connection = { token: "secret-token", "token:resourceUri": env.url };
});
afterAll(() => Promise.all([env.close(), foreign.close()]));
beforeEach(() => {
  env.received.length = 0;
  foreign.received.length = 0;
});

/** Inputs that tried, in the adversarial run, to move the token elsewhere: each names the foreign server. */
function hostileInputs(): [string, string][] {
  const foreignHost = new URL(foreign.url).host; // 127.0.0.1:<port>
  const envHost = new URL(env.url).host;
  return [
    ["a location on another host", `${foreign.url}/api/connector/download/x?blob=b`],
    ["a protocol-relative location", `//${foreignHost}/api/connector/download/x`],
    ["a look-alike host", `${envHost}.example.net/api/connector/download/x`],
    ["userinfo", `${env.url.replace("://", "://env@")}@${foreignHost}/x`],
    ["a backslash", `\\\\${foreignHost}\\x`],
    ["a port", `:${new URL(foreign.url).port}/x`],
    ["an http:// location", `http://${foreignHost}/x`],
    ["an upper-case scheme", `HTTP://${foreignHost}/x`],
    ["a path that climbs", `../../${foreignHost}/x`],
    ["a fragment", `#@${foreignHost}/x`],
    ["an IPv6 literal", `[::1]:${new URL(foreign.url).port}/x`],
    ["a full Download location of the foreign host", `https://${foreignHost}/api/connector/download/%7Bx%7D?correlation-id=c&blob=b`],
  ];
}

describe("Download sends the connection's token only to the connection's environment", () => {
  it.each([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11])("hostile input %#: the request goes to the environment", async (index) => {
    const [what, downloadPath] = hostileInputs()[index]!;
    const request = buildRequest(pkg, "Download", { parameters: { downloadPath }, connection });
    expect(new URL(request.url).origin, what).toBe(env.url);
    await invoke(pkg, "Download", { parameters: { downloadPath }, connection }).catch(() => undefined);
    expect(foreign.received, what).toHaveLength(0);
    expect(env.received.length, what).toBeGreaterThan(0);
    expect(env.received.every((r) => r.headers.authorization === "Bearer secret-token")).toBe(true);
  });

  it("the check can fail: with the host taken from the input (the previous design) the token reaches the foreign host", async () => {
    const variant = structuredClone(pkg);
    const instances = (variant.properties.properties as { policyTemplateInstances: { parameters: Record<string, unknown> }[] }).policyTemplateInstances;
    const download = instances.find((i) => String(i.parameters["x-ms-apimTemplateParameter.urlTemplate"]).includes("downloadPath"))!;
    download.parameters["x-ms-apimTemplateParameter.urlTemplate"] = "@headers('downloadPath')";
    await invoke(variant, "Download", { parameters: { downloadPath: `${foreign.url}/x` }, connection }).catch(() => undefined);
    expect(foreign.received.map((r) => r.headers.authorization)).toEqual(["Bearer secret-token"]);
  });

  it("an ordinary Download path reaches the environment's download endpoint, query intact", () => {
    const request = buildRequest(pkg, "Download", { parameters: { downloadPath: "api/connector/download/%7Ba%7D?correlation-id=c&blob=b" }, connection });
    expect(request.url).toBe(`${env.url}/api/connector/download/%7Ba%7D?correlation-id=c&blob=b`);
  });

  it("every dynamichosturl of the package takes its host from the connection and puts a literal '/' before any input", () => {
    const instances = (pkg.properties.properties as { policyTemplateInstances: { templateId: string; parameters: Record<string, unknown> }[] }).policyTemplateInstances;
    const templates = instances.filter((i) => i.templateId === "dynamichosturl").map((i) => String(i.parameters["x-ms-apimTemplateParameter.urlTemplate"]));
    expect(templates.length).toBeGreaterThan(0);
    for (const template of templates) expect(template).toMatch(/^@connectionParameters\('token:resourceUri'\)(\/|$)/);
  });
});
