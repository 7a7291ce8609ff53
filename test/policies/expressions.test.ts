import { describe, expect, it } from "vitest";
import { evaluateTemplate, evaluateText, parseTemplate } from "../../src/policies/expressions.ts";
import { PolicyError } from "../../src/policies/template.ts";
import { json, scope } from "./support.ts";

describe("parseTemplate", () => {
  it("keeps text without expressions as one literal", () => {
    expect(parseTemplate("application/json")).toEqual([{ literal: "application/json" }]);
  });

  it("reads a bare call with the literal text around it", () => {
    const parts = parseTemplate("https://@connectionParameters('vault').vault.azure.net");
    expect(parts).toEqual([
      { literal: "https://" },
      { expression: { name: "connectionParameters", args: ["vault"], path: [], source: "@connectionParameters('vault')" } },
      { literal: ".vault.azure.net" },
    ]);
  });

  it("continues a bare @body() with its property path, but not a string function", () => {
    const [body] = parseTemplate("@body().a['b c'][0]");
    expect(body).toEqual({ expression: expect.objectContaining({ name: "body", path: ["a", "b c", 0] }) });
  });

  it("treats @@ and an @ not followed by a call as text", () => {
    expect(parseTemplate("user@example.com @@body()")).toEqual([{ literal: "user@example.com @body()" }]);
  });

  it("reads @{…} and {@…} embeddings, including a path inside the braces", () => {
    const parts = parseTemplate("[{@body().gifts}, @{headers('x')}]");
    expect(parts.map((part) => ("literal" in part ? part.literal : part.expression.source))).toEqual([
      "[",
      "{@body().gifts}",
      ", ",
      "@{headers('x')}",
      "]",
    ]);
  });

  it("unescapes doubled quotes in arguments and reads numbers", () => {
    const [call] = parseTemplate("@header('it''s', 5)");
    expect(call).toEqual({ expression: expect.objectContaining({ args: ["it's", 5] }) });
  });

  it("says where a call is malformed", () => {
    expect(() => parseTemplate("@headers('x'")).toThrow(PolicyError);
    expect(() => parseTemplate("{@body().a")).toThrow(/unterminated "\{"/);
    expect(() => parseTemplate("@headers(x)")).toThrow(/'quoted' strings or numbers/);
  });
});

describe("evaluateTemplate", () => {
  it("@connectionParameters reads the connection, with a default when it is not set", () => {
    const values = scope({ connection: { "token:resourceUri": "https://env.example.com" } });
    expect(evaluateTemplate("@connectionParameters('token:resourceUri')", values)).toBe("https://env.example.com");
    expect(evaluateTemplate("@connectionParameters('region', 'westus')", values)).toBe("westus");
    expect(() => evaluateTemplate("@connectionParameters('region')", values)).toThrow(/connection parameter 'region' is not set/);
  });

  it("folds the case of function names", () => {
    expect(evaluateTemplate("@ConnectionParameters('a')", scope({ connection: { a: "1" } }))).toBe("1");
  });

  it("@headers and @header read the current headers, @header with a default", () => {
    const values = scope({ headers: { downloadlocation: "https://env/api/connector/download/x?blob=1" } });
    expect(evaluateTemplate("@headers('downloadLocation')", values)).toBe("https://env/api/connector/download/x?blob=1");
    expect(evaluateTemplate("@header('missing', 'fallback')", values)).toBe("fallback");
    expect(() => evaluateTemplate("@headers('missing')", values)).toThrow(/header 'missing' is not set/);
  });

  it("@queryParameters reads the current query", () => {
    expect(evaluateTemplate("@queryParameters('hostUrl')", scope({ query: [["hostUrl", "https://tenant.example.com"]] }))).toBe(
      "https://tenant.example.com",
    );
  });

  it("@body() paths return the value with its type; a missing step is undefined", () => {
    const values = scope({ body: json({ a: { b: [10, 20] } }) });
    expect(evaluateTemplate("@body().a.b", values)).toEqual([10, 20]);
    expect(evaluateTemplate("@body().a.b[1]", values)).toBe(20);
    expect(evaluateTemplate("@body().a.missing.deeper", values)).toBeUndefined();
  });

  it("concatenates literal text and expression values into one string", () => {
    const values = scope({ connection: { hostUrl: "https://h.example.com", orgName: "org1" } });
    expect(evaluateTemplate("@connectionParameters('hostUrl')/@connectionParameters('orgName')/api/data/v9.0/", values)).toBe(
      "https://h.example.com/org1/api/data/v9.0/",
    );
    expect(evaluateText("https://@connectionParameters('orgName').vault.azure.net", values)).toBe("https://org1.vault.azure.net");
  });

  it("writes objects as JSON and missing values as nothing inside text", () => {
    const values = scope({ body: json({ o: { k: 1 } }) });
    expect(evaluateTemplate("x={@body().o};y={@body().none}", values)).toBe('x={"k":1};y=');
  });

  it("refuses a function it does not implement, naming it", () => {
    const error = (() => {
      try {
        evaluateTemplate("{@item()['id']}", scope());
      } catch (err) {
        return err;
      }
    })();
    expect(error).toBeInstanceOf(PolicyError);
    expect((error as PolicyError).unsupported).toBe(true);
    expect((error as PolicyError).message).toBe(`expression function 'item' in "{@item()['id']}" is not supported by the gateway yet`);
  });

  it("checks the number of arguments", () => {
    expect(() => evaluateTemplate("@queryParameters('a', 'b')", scope())).toThrow(/queryParameters takes 1 argument/);
    expect(() => evaluateTemplate("@body('x')", scope())).toThrow(/body takes 0 argument/);
  });
});
