import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { gzipSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCaptured } from "../cli/support.ts";
import { connectorPackageDir } from "./support/connector.ts";
import { startEnvironment, type Environment } from "./support/server.ts";

const activityId = "{6D31E09F-0A51-4F1C-9E0B-2F7A1C3B9D11}";
const activityPath = "%7B6D31E09F-0A51-4F1C-9E0B-2F7A1C3B9D11%7D";
const packageDir = connectorPackageDir();
const work = mkdtempSync(path.join(tmpdir(), "fno-invoke-"));
let env: Environment;

beforeAll(async () => {
  env = await startEnvironment();
});
afterAll(() => env.close());

/** Runs `fno-connector invoke …` in-process against the test environment and captures what it prints. */
const cli = (...args: string[]) =>
  runCaptured(["invoke", ...args, "--package", packageDir, "--connection", "token=t", "--connection", `token:resourceUri=${env.url}`]);

describe("fno-connector invoke", () => {
  it("prints the outputs as JSON, typing a JSON body from --param", async () => {
    env.answer("POST /data/DataManagementDefinitionGroups/Microsoft.Dynamics.DataEntities.GetMessageStatus", {
      status: 200,
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ value: "Enqueued" }),
    });
    const result = await cli("GetMessageStatus", "--param", 'request={"messageId":"m1"}');
    expect(result).toMatchObject({ code: 0, stderr: "" });
    expect(JSON.parse(result.stdout)).toEqual({ value: "Enqueued" });
  });

  it("--json prints status, headers and outputs", async () => {
    env.answer(`GET /api/connector/dequeue/${activityPath}`, { status: 204 });
    const result = await cli("Dequeue", "--param", `activityId=${activityId}`, "--json");
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({ status: 204, outputs: null });
  });

  it("writes a binary output to --out and uploads --body-file as bytes", async () => {
    const zip = Buffer.from([0x50, 0x4b, 0x05, 0x06, 1, 2, 3]);
    env.answer(`GET /api/connector/download/${activityPath}`, { status: 200, body: zip });
    const out = path.join(work, "package.zip");
    const download = await cli("Download", "--param", `downloadPath=api/connector/download/${activityPath}?blob=b`, "--out", out);
    expect(download.code).toBe(0);
    expect(readFileSync(out)).toEqual(zip);
    expect(existsSync(`${out}.partial`)).toBe(false);

    env.answer(`POST /api/connector/enqueue/${activityPath}`, { status: 200, body: '"m-1"' });
    const input = path.join(work, "in.bin");
    writeFileSync(input, Buffer.from([0, 255, 1]));
    const enqueue = await cli("Enqueue", "--param", `activityId=${activityId}`, "--body-file", input);
    expect(enqueue).toMatchObject({ code: 0, stdout: '"m-1"\n' });
    expect(env.received.at(-1)?.body).toEqual(Buffer.from([0, 255, 1]));
  });

  it("writes a gzip-encoded binary output decoded, not judged by the encoded Content-Length", async () => {
    // fetch decodes Content-Encoding; the Content-Length the server sent counts the encoded bytes.
    const zip = Buffer.concat([Buffer.from([0x50, 0x4b, 0x05, 0x06]), Buffer.alloc(4096)]);
    const encoded = gzipSync(zip);
    env.answer(`GET /api/connector/download/${activityPath}`, { status: 200, headers: { "content-encoding": "gzip", "content-length": String(encoded.length) }, body: encoded });
    const out = path.join(work, "encoded.zip");
    const download = await cli("Download", "--param", `downloadPath=api/connector/download/${activityPath}?blob=b`, "--out", out);
    expect(download).toMatchObject({ code: 0, stderr: "" });
    expect(readFileSync(out)).toEqual(zip);
  });

  it("exits 1 with the HTTP status and the F&O error text", async () => {
    env.answer(`GET /api/connector/dequeue/${activityPath}`, {
      status: 500,
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ error: { code: "", message: "An error has occurred.", innererror: { message: "Activity not found." } } }),
    });
    const result = await cli("Dequeue", "--param", `activityId=${activityId}`);
    expect(result.code).toBe(1);
    expect(result.stderr).toBe("fno-connector: operation Dequeue failed with HTTP 500: An error has occurred.: Activity not found.\n");
  });

  it("exits 2 naming a missing required parameter or a malformed --param", async () => {
    expect(await cli("Dequeue")).toMatchObject({
      code: 2,
      stderr: "fno-connector: operation Dequeue: required parameter 'activityId' (in path) has no value (apiDefinition.swagger.json#/parameters/activityId)\n",
    });
    expect((await cli("Dequeue", "--param", "activityId")).stderr).toBe("fno-connector: --param activityId: expected name=value\n");
  });
});
