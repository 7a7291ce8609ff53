import { describe, expect, it } from "vitest";
import { defaultIds } from "../../src/simulator/index.ts";
import { call, dequeuePath, postForm, start, token } from "./support.ts";

const exportQueue = dequeuePath(defaultIds.exportActivityId);

describe("token endpoint (Entra ID client credentials, fno-api.md §5)", () => {
  it("issues a v1 token for resource=<environment URL>, numbers written as strings", async () => {
    const simulator = await start();
    const c = simulator.connection;
    const response = await postForm(c.tokenUrlV1, {
      grant_type: "client_credentials",
      client_id: c.clientId,
      client_secret: c.clientSecret,
      resource: c.environmentUrl,
    });
    expect(response.status).toBe(200);
    expect(response.headers.get("cache-control")).toBe("no-store");
    const body = (await response.json()) as Record<string, string>;
    expect(body).toMatchObject({ token_type: "Bearer", expires_in: "3599", resource: c.environmentUrl });
    expect(Number(body.expires_on)).toBe(Date.UTC(2025, 0, 1) / 1000 + 3599);
    expect((await call(simulator, body.access_token, exportQueue)).status).toBe(204);
  });

  it("issues a v2 token for scope=<environment URL>/.default, numbers as numbers", async () => {
    const simulator = await start();
    const c = simulator.connection;
    const response = await postForm(c.tokenUrlV2, {
      grant_type: "client_credentials",
      client_id: c.clientId,
      client_secret: c.clientSecret,
      scope: `${c.environmentUrl}/.default`,
    });
    const body = (await response.json()) as Record<string, unknown>;
    expect(body).toMatchObject({ token_type: "Bearer", expires_in: 3599, ext_expires_in: 3599 });
    expect(typeof body.access_token).toBe("string");
    expect(simulator.counters().tokensIssued).toBe(1);
  });

  it.each([
    ["a wrong secret", { client_secret: "nope" }, 401, "invalid_client", "AADSTS7000215"],
    ["an unknown client", { client_id: "33333333-3333-4333-8333-333333333333" }, 400, "unauthorized_client", "AADSTS700016"],
    ["another environment", { scope: "https://other.operations.dynamics.com/.default" }, 400, "invalid_resource", "AADSTS500011"],
    ["a scope without /.default", { scope: "https://x/user_impersonation" }, 400, "invalid_scope", "AADSTS1002012"],
    ["another grant type", { grant_type: "password" }, 400, "unsupported_grant_type", "AADSTS70003"],
  ])("refuses %s in Entra's error shape", async (_case, override, status, error, code) => {
    const simulator = await start();
    const c = simulator.connection;
    const response = await postForm(c.tokenUrlV2, {
      grant_type: "client_credentials",
      client_id: c.clientId,
      client_secret: c.clientSecret,
      scope: `${simulator.url}/.default`,
      ...override,
    });
    expect(response.status).toBe(status);
    const body = (await response.json()) as { error: string; error_description: string; error_codes: number[] };
    expect(body.error).toBe(error);
    expect(body.error_description).toMatch(new RegExp(`^${code}: `));
    expect(body.error_codes).toEqual([Number(code.slice("AADSTS".length))]);
  });

  it("refuses an unknown tenant and a body that is not a form", async () => {
    const simulator = await start();
    const c = simulator.connection;
    const wrongTenant = await postForm(`${simulator.url}/someone-else/oauth2/token`, {
      grant_type: "client_credentials",
      client_id: c.clientId,
      client_secret: c.clientSecret,
      resource: c.environmentUrl,
    });
    expect(((await wrongTenant.json()) as { error_description: string }).error_description).toMatch(/^AADSTS90002: Tenant 'someone-else'/);
    const notAForm = await fetch(c.tokenUrlV1, { method: "POST", headers: { "content-type": "application/json" }, body: "{}" });
    expect(notAForm.status).toBe(400);
    expect(((await notAForm.json()) as { error_description: string }).error_description).toContain("'grant_type'");
  });
});

describe("bearer check on F&O endpoints", () => {
  it("answers 401 with an OData error and a bare challenge when no token is sent", async () => {
    const simulator = await start();
    const response = await call(simulator, undefined, exportQueue);
    expect(response.status).toBe(401);
    expect(response.headers.get("www-authenticate")).toBe("Bearer");
    expect(await response.json()).toMatchObject({ error: { code: "", message: "Unauthorized", innererror: { message: expect.stringContaining("no bearer token") } } });
  });

  it("answers 401 invalid_token for an unknown token", async () => {
    const simulator = await start();
    const response = await call(simulator, "made-up", exportQueue);
    expect(response.status).toBe(401);
    expect(response.headers.get("www-authenticate")).toMatch(/^Bearer error="invalid_token"/);
  });

  it("rejects a token whose resource had a trailing slash: its audience is not the environment", async () => {
    const simulator = await start();
    const c = simulator.connection;
    const issued = await postForm(c.tokenUrlV1, {
      grant_type: "client_credentials",
      client_id: c.clientId,
      client_secret: c.clientSecret,
      resource: `${c.environmentUrl}/`,
    });
    expect(issued.status).toBe(200);
    const { access_token } = (await issued.json()) as { access_token: string };
    const response = await call(simulator, access_token, exportQueue);
    expect(response.status).toBe(401);
    expect(((await response.json()) as { error: { innererror: { message: string } } }).error.innererror.message).toContain(
      `audience '${c.environmentUrl}/'`,
    );
  });

  it("expires tokens after expires_in on the simulated clock", async () => {
    const simulator = await start({ faults: { tokenLifetimeSeconds: 60 } });
    const bearer = await token(simulator);
    simulator.clock.advance(59_999);
    expect((await call(simulator, bearer, exportQueue)).status).toBe(204);
    simulator.clock.advance(1);
    const expired = await call(simulator, bearer, exportQueue);
    expect(expired.status).toBe(401);
    expect(expired.headers.get("www-authenticate")).toContain("has expired");
    expect((await call(simulator, await token(simulator), exportQueue)).status).toBe(204);
  });

  it("expires every live token on demand, and only those", async () => {
    const simulator = await start();
    const first = await token(simulator);
    const second = await token(simulator);
    expect(simulator.expireTokens()).toBe(2);
    expect((await call(simulator, first, exportQueue)).status).toBe(401);
    expect((await call(simulator, second, exportQueue)).status).toBe(401);
    expect((await call(simulator, await token(simulator), exportQueue)).status).toBe(204);
  });
});
