import { readdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it, vi } from "vitest";
import { defaultRetryOptions, FnoError } from "../../src/client/index.ts";
import { refused, runCaptured, tempDir, unreachable } from "./support.ts";
import { clock } from "./virtual-clock.ts";

// The CLI's client waits out its backoffs on a virtual clock: the retries all happen, in no real time.
vi.mock("../../src/client/client.ts", async (original) => (await import("./virtual-clock.ts")).moduleOnVirtualClock(original, "FnoClient"));

const location = "http://127.0.0.1:1/api/connector/download/%7Bx%7D?correlation-id=c&blob=b";

/** One line on stderr, naming `what`, and the exit code the README gives for input that could not be used. */
function expectRefused(result: { code: number; stderr: string }, what: string, reason: RegExp): void {
  expect(result.code, result.stderr).toBe(2);
  expect(result.stderr).toContain(what);
  expect(result.stderr).toMatch(reason);
  expect(result.stderr.trim().split("\n")).toHaveLength(1);
}

describe("input files: named, with what is wrong, exit 2 (M2)", () => {
  it("enqueue of a missing file", async () => {
    const file = path.join(tempDir(), "groups.csv");
    expectRefused(await runCaptured(["enqueue", file, "--activity", "a", ...unreachable]), file, /does not exist/);
  });

  it("enqueue of a folder, before the environment is contacted", async () => {
    const dir = tempDir();
    expectRefused(await runCaptured(["enqueue", dir, "--activity", "a", ...unreachable]), dir, /is a folder/);
  });
});

describe("output locations are checked before anything is downloaded or written (M3)", () => {
  it("download --out into a missing folder", async () => {
    const out = path.join(tempDir(), "missing", "package.zip");
    expectRefused(await runCaptured(["download", location, "--out", out, ...unreachable]), path.dirname(out), /does not exist/);
  });

  it("download --out onto a folder", async () => {
    const dir = tempDir();
    expectRefused(await runCaptured(["download", location, "--out", dir, ...unreachable]), dir, /is a folder/);
  });

  it("invoke --out into a missing folder", async () => {
    const out = path.join(tempDir(), "missing", "package.zip");
    const result = await runCaptured(["invoke", "Download", "--out", out, "--package", tempDir()]);
    expectRefused(result, path.dirname(out), /does not exist/);
  });

  it("sync --out a file", async () => {
    const file = path.join(tempDir(), "packages");
    writeFileSync(file, "not a folder");
    expectRefused(await runCaptured(["sync", "--activity", "a", "--out", file, ...unreachable]), file, /is a file/);
  });

  it("unpack onto a file", async () => {
    const work = tempDir();
    const built = await runCaptured(["build", "--out", path.join(work, "connector"), "--solution-out", path.join(work, "solution")]);
    expect(built.code, built.stderr).toBe(0);
    const zip = readdirSync(path.join(work, "solution")).find((name) => name.endsWith(".zip"))!;
    const target = path.join(work, "taken");
    writeFileSync(target, "a file");
    expectRefused(await runCaptured(["unpack", path.join(work, "solution", zip), target]), target, /is a file/);
  });

  it("unpack under a file", async () => {
    const work = tempDir();
    writeFileSync(path.join(work, "taken"), "a file");
    const zip = path.join(work, "any.zip");
    writeFileSync(zip, "");
    expectRefused(await runCaptured(["unpack", zip, path.join(work, "taken", "out")]), path.join(work, "taken"), /is a file/);
  });
});

describe("URLs: named, with what is wrong (M3)", () => {
  it("download not-a-url", async () => {
    expectRefused(await runCaptured(["download", "not-a-url", "--out", path.join(tempDir(), "p.zip"), ...unreachable]), "not-a-url", /not an http\(s\) URL/);
  });

  it("--url ftp://x is an option error, not a token error", async () => {
    const args = unreachable.map((value, i) => (unreachable[i - 1] === "--url" ? "ftp://x" : value));
    expectRefused(await runCaptured(["dequeue", "--activity", "a", ...args]), "--url", /ftp:\/\/x.*http/);
  });

  it("--url http:// to a host other than this machine would send the token in clear", async () => {
    const args = unreachable.map((value, i) => (unreachable[i - 1] === "--url" ? "http://contoso.operations.dynamics.com" : value));
    expectRefused(await runCaptured(["dequeue", "--activity", "a", ...args]), "--url", /https/);
  });

  it("invoke against a refused connection says which URL could not be reached and why", async () => {
    const { connectorPackageDir } = await import("../gateway/support/connector.ts");
    const result = await runCaptured([
      "invoke", "Dequeue", "--param", "activityId=6d31e09f-0000-4000-8000-000000000001",
      "--package", connectorPackageDir(), "--connection", "token=t", "--connection", `token:resourceUri=${refused}`,
    ]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`could not reach ${refused}: connection refused (ECONNREFUSED)`);
    expect(result.stderr).not.toContain("fetch failed");
  });

  it("the client says why it got no answer, after every attempt its retry policy allows", async () => {
    const waits = clock.slept.length;
    const result = await runCaptured(["dequeue", "--activity", "a", ...unreachable]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain("could not get a token: connection refused (ECONNREFUSED)");
    // One wait before each attempt after the first: the CLI gave up only when the policy said so.
    expect(clock.slept.length - waits).toBe(defaultRetryOptions.maxAttempts - 1);
  });

  it("the client names the server that did not answer, without the URL's query", () => {
    const cause = new TypeError("fetch failed", { cause: Object.assign(new Error("connect ECONNREFUSED"), { code: "ECONNREFUSED" }) });
    const error = new FnoError({ operation: "Download", method: "GET", url: "https://contoso.blob.core.windows.net/p.zip?sv=1&sig=abc", cause });
    expect(error.message).toMatch(/^Download failed: could not reach https:\/\/contoso\.blob\.core\.windows\.net: connection refused \(ECONNREFUSED\)\. /);
    expect(error.message).not.toContain("sig=");
  });
});

