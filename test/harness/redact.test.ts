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

const liveHost = "myorg.operations.dynamics.com";
const jwt = "eyJhbGciOiJSUzI1NiJ9.eyJhdWQiOiJodHRwczovL3gifQ.c2lnbmF0dXJlc2lnbmF0dXJl";
const opaque = "Zx81opaqueTOKEN_value42";
const customerCsv = "CUSTGROUPID,DESCRIPTION\r\n10,Contoso Pharmacy Ltd (VIP)\r\n";
const correlationId = "5acd8121-d4e1-4cf8-b31f-9713de3e3627";

function definition(parts: Partial<RecordedDefinition>): RecordedDefinition {
  return { scope: `https://${liveHost}:443`, method: "GET", path: "/api/connector/dequeue/x", body: "", status: 200, response: "", ...parts };
}

/** Each kind of tricky input: a recorded exchange, and a value that must not survive redaction. */
const tricky: { kind: string; input: RecordedDefinition; leaked: string }[] = [
  { kind: "JWT bearer token in a body", input: definition({ response: { echoed: `Bearer ${jwt}` } }), leaked: jwt },
  { kind: "non-JWT bearer token in a body", input: definition({ response: { note: `sent Bearer ${opaque}` } }), leaked: opaque },
  { kind: "basic credential in a header", input: definition({ rawHeaders: ["WWW-Authenticate", "Basic dXNlcjpwYXNzd29yZDEyMw=="] }), leaked: "dXNlcjpwYXNzd29yZDEyMw" },
  { kind: "Authorization request header", input: definition({ reqheaders: { authorization: `Bearer ${opaque}` } }), leaked: opaque },
  { kind: "SAS sig in the path", input: definition({ path: "/api/connector/download/x?blob=b&sig=abcDEF123%2Bsig" }), leaked: "abcDEF123" },
  { kind: "SAS sig URL-encoded once (%26sig%3D)", input: definition({ response: { next: "https://x/?u=https%3A%2F%2Fa.blob%3Fsv%3D1%26sig%3DsEcReTsIg123" } }), leaked: "sEcReTsIg123" },
  { kind: "SAS sig URL-encoded twice (%2526sig%253D)", input: definition({ path: "/p?u=https%253A%252F%252Fa%253Fsv%253D1%2526sig%253DtWiCeSiG456" }), leaked: "tWiCeSiG456" },
  { kind: "SAS sig in a DownloadLocation", input: definition({ response: { DownloadLocation: `https://${liveHost}/d?blob=b&sig=dLsIg789xyz` } }), leaked: "dLsIg789xyz" },
  { kind: "upper-case host", input: definition({ scope: `https://${liveHost.toUpperCase()}:443` }), leaked: "MYORG" },
  { kind: "mixed-case host in a value", input: definition({ response: { DownloadLocation: "https://MyOrg.Operations.Dynamics.com/d?blob=b" } }), leaked: "MyOrg" },
  { kind: "Set-Cookie response header", input: definition({ rawHeaders: ["Set-Cookie", "ARRAffinity=cookieValue123; path=/"] }), leaked: "cookieValue123" },
  { kind: "Cookie request header", input: definition({ reqheaders: { cookie: "session=sessionCookie456" } }), leaked: "sessionCookie456" },
  { kind: "value under key", input: definition({ response: { key: "k3y-VALUE-0001" } }), leaked: "k3y-VALUE-0001" },
  { kind: "value under apiKey", input: definition({ response: { settings: { apiKey: "apiKEY-value-0002" } } }), leaked: "apiKEY-value-0002" },
  { kind: "client_secret in a form body", input: definition({ method: "POST", body: "grant_type=client_credentials&client_secret=cl1entS3cret~x&scope=s" }), leaked: "cl1entS3cret" },
  { kind: "client_secret JSON field", input: definition({ response: { client_secret: "jsonS3cret-0003" } }), leaked: "jsonS3cret-0003" },
  { kind: "password field", input: definition({ response: { connection: { password: "passw0rd-0004" } } }), leaked: "passw0rd-0004" },
  { kind: "access_token in an error text", input: definition({ response: `{"access_token":"tok-0005-abcdef"}` }), leaked: "tok-0005-abcdef" },
  { kind: "numeric value under a secret name", input: definition({ response: { pin: 1, password: 12345678 } }), leaked: "12345678" },
  {
    kind: "package body (customer data)",
    input: definition({ path: "/api/connector/download/x?blob=b", response: Buffer.from(`PK\u0003\u0004${customerCsv}`).toString("hex"), responseIsBinary: true }),
    leaked: Buffer.from("Contoso Pharmacy").toString("hex"),
  },
  { kind: "enqueued file (customer data)", input: definition({ method: "POST", path: "/api/connector/enqueue/x?entity=Customer%20groups", body: customerCsv }), leaked: "Contoso Pharmacy" },
  {
    kind: "F&O error text quoting a record",
    input: definition({ response: { value: JSON.stringify([{ RecordId: "7", ErrorMessage: "Customer Contoso Pharmacy Ltd already exists." }]) } }),
    leaked: "Contoso Pharmacy",
  },
];

describe("redactDefinitions", () => {
  it.each(tricky)("$kind", ({ input, leaked }) => {
    const text = JSON.stringify(redactDefinitions([input], liveHost));
    expect(text).not.toContain(leaked);
    expect(text.toLowerCase()).not.toContain("myorg");
    expect(findSecrets(text)).toEqual([]);
  });

  it(`covers at least 17 kinds of tricky input (${tricky.length})`, () => {
    expect(tricky.length).toBeGreaterThanOrEqual(17);
  });

  it("keeps the shapes: IDs, statuses, URLs on the recordings' host, sizes of bodies", () => {
    const pkg = Buffer.from(`PK\u0003\u0004${customerCsv}`).toString("hex");
    const [dequeued, downloaded, uploaded] = redactDefinitions(
      [
        definition({
          response: { CorrelationId: correlationId, PopReceipt: "OgS2ZEozoQgG5CXEO633Lbabkio=", DownloadLocation: `https://${liveHost}/api/connector/download/%7Bx%7D?correlation-id=${correlationId}&blob=b`, IsDownLoadFileExist: true, LastDequeueDateTime: null },
          rawHeaders: ["Date", "Sat, 21 Nov 2026 10:00:00 GMT", "Content-Type", "application/json"],
        }),
        definition({ response: pkg, responseIsBinary: true }),
        definition({ method: "POST", body: customerCsv, response: { value: "ProcessedWithErrors" } }),
      ],
      liveHost,
    );
    expect(dequeued?.response).toMatchObject({
      CorrelationId: correlationId,
      DownloadLocation: `https://contoso.operations.dynamics.com/api/connector/download/%7Bx%7D?correlation-id=${correlationId}&blob=b`,
      IsDownLoadFileExist: true,
      LastDequeueDateTime: null,
    });
    expect(dequeued?.rawHeaders).toEqual({ "Content-Type": "application/json" });
    expect((downloaded?.response as string).length).toBe(pkg.length);
    expect((uploaded?.body as string).length).toBe(customerCsv.length);
    expect(uploaded?.response).toEqual({ value: "ProcessedWithErrors" });
  });
});
