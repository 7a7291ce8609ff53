import { describe, expect, it } from "vitest";
import { composeUrl, encodePathValue, readQuery, writeQuery } from "../../src/http/url.ts";

describe("encodePathValue", () => {
  it("single keeps slashes as separators and escapes the rest", () => {
    expect(encodePathValue("{6D31E09F}/a b?c#d", "single")).toBe("%7B6D31E09F%7D/a%20b%3Fc%23d");
  });

  it("double escapes the value once more than single, slashes included", () => {
    expect(encodePathValue("a/b c%", "double")).toBe("a%2Fb%20c%25");
  });
});

describe("composeUrl", () => {
  it("appends the operation path to the host URL's path with one slash between", () => {
    expect(composeUrl("https://h.example.com/api/", "/items", [])).toBe("https://h.example.com/api/items");
    expect(composeUrl("https://h.example.com", "/items", [])).toBe("https://h.example.com/items");
  });

  it("appends nothing for the operation path /", () => {
    const location = "https://env.example.com/api/connector/download/%7Bid%7D?correlation-id=c&blob=b";
    expect(composeUrl(location, "/", [])).toBe(location);
  });

  it("keeps the host URL's query and appends the request's query after it", () => {
    expect(composeUrl("https://h.example.com/x.ashx?a=1", "/", [["b", "two words"]])).toBe("https://h.example.com/x.ashx?a=1&b=two%20words");
  });

  it("does not re-encode escapes already in the host URL", () => {
    expect(composeUrl("https://h.example.com/download/%7Bid%7D", "/", [])).toBe("https://h.example.com/download/%7Bid%7D");
  });
});

describe("query text", () => {
  it("round-trips names and values with reserved characters", () => {
    const query: [string, string][] = [["$filter", "a eq 'x&y'"], ["k", "1+1=2"]];
    expect(readQuery(writeQuery(query))).toEqual(query);
  });

  it("keeps a malformed escape as written", () => {
    expect(readQuery("a=%zz&b")).toEqual([["a", "%zz"], ["b", ""]]);
  });
});
