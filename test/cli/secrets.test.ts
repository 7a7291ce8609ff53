import { createServer, type Server } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connectorPackageDir } from "../gateway/support/connector.ts";
import { refused, runCaptured } from "./support.ts";

const secret = "s3cr3t-Q9xv~Kp2Lm7Zr4Tw";

describe("no error message carries a credential (M4)", () => {
  it("invoke with a CR/LF in the token names the header, not the token, and exits 2", async () => {
    const result = await runCaptured([
      "invoke", "Dequeue", "--param", "activityId=6d31e09f-0000-4000-8000-000000000001", "--package", connectorPackageDir(),
      "--connection", `token=${secret}\r\nX-Injected: 1`, "--connection", `token:resourceUri=${refused}`,
    ]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/header .authorization./i);
    expect(result.stderr).not.toContain(secret);
    expect(result.stderr).not.toContain("X-Injected");
  });

  describe("a token endpoint that echoes the request in its error", () => {
    let server: Server;
    let url: string;
    beforeAll(async () => {
      server = createServer((request, response) => {
        let body = "";
        request.on("data", (chunk: Buffer) => (body += chunk.toString()));
        request.on("end", () => {
          const form = new URLSearchParams(body);
          response.writeHead(400, { "content-type": "text/plain" }).end(`client ${form.get("client_id")} has no secret ${form.get("client_secret")}`);
        });
      });
      await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
      url = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
    });
    afterAll(() => new Promise((resolve) => server.close(resolve)));

    for (const [how, args, env] of [
      ["--client-secret", ["--client-secret", secret], {}],
      ["--client-secret=", [`--client-secret=${secret}`], {}],
      ["AZURE_CLIENT_SECRET", [], { AZURE_CLIENT_SECRET: secret }],
    ] as const) {
      it(`does not get the secret given by ${how} onto stderr`, async () => {
        const saved = process.env.AZURE_CLIENT_SECRET;
        Object.assign(process.env, env);
        try {
          const result = await runCaptured([
            "dequeue", "--activity", "a", "--url", refused, "--tenant", "t", "--client-id", "c", "--authority-host", url, ...args,
          ]);
          expect(result.code).toBe(1);
          expect(result.stderr).toContain("HTTP 400: client c has no secret ");
          expect(result.stderr).not.toContain(secret);
        } finally {
          if (saved === undefined) delete process.env.AZURE_CLIENT_SECRET;
          else process.env.AZURE_CLIENT_SECRET = saved;
        }
      });
    }
  });
});
