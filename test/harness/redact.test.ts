import { readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { repoRoot } from "../support/shared.ts";
import { findSecrets, redactDefinitions, type RecordedDefinition } from "./redact.ts";

const recordings = path.join(repoRoot, "test", "recordings");

function allRecordings(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const file = path.join(dir, name);
    return statSync(file).isDirectory() ? allRecordings(file) : name.endsWith(".json") ? [file] : [];
  });
}

describe("recordings hold no secrets", () => {
  for (const file of allRecordings(recordings)) {
    it(path.relative(recordings, file), () => {
      expect(findSecrets(readFileSync(file, "utf8"))).toEqual([]);
    });
  }
});

describe("redactDefinitions", () => {
  const jwt = "eyJhbGciOiJSUzI1NiJ9.eyJhdWQiOiJodHRwczovL3gifQ.c2lnbmF0dXJlc2lnbmF0dXJl";
  const live: RecordedDefinition[] = [
    {
      scope: "https://myorg.operations.dynamics.com:443",
      method: "GET",
      path: "/api/connector/download/%7Bx%7D?correlation-id=1&blob=2&sig=abcDEF123",
      body: "",
      status: 200,
      response: { DownloadLocation: "https://myorg.operations.dynamics.com/x", echoed: `Bearer ${jwt}`, access_token: "secret-token-value" },
      rawHeaders: ["Date", "Sat, 21 Nov 2026 10:00:00 GMT", "Set-Cookie", "ARRAffinity=abc", "Content-Type", "application/json"],
    },
  ];

  it("removes tokens, signatures, cookies and dates, and rewrites the host", () => {
    const [redacted] = redactDefinitions(live, "myorg.operations.dynamics.com");
    const text = JSON.stringify(redacted);
    expect(findSecrets(JSON.stringify(live))).not.toEqual([]);
    expect(findSecrets(text)).toEqual([]);
    expect(text).not.toContain("myorg");
    expect(redacted?.rawHeaders).toEqual({ "Content-Type": "application/json" });
    expect(redacted?.path).toContain("sig=REDACTED");
  });
});
