import { describe, expect, it } from "vitest";
import { routeRequestToEndpoint } from "../../src/policies/routerequesttoendpoint.ts";
import { context, requestDraft } from "./support.ts";

// newPath shapes from certified-connectors/Tribal, /Blackbaud Raiser's Edge NXT Gifts, /HYAS Insight and /Aletheia (corpus).
const run = routeRequestToEndpoint.onRequest!;

describe("routerequesttoendpoint", () => {
  it("replaces the path, filling {name} with the encoded path parameter and expressions with their values", () => {
    const request = requestDraft({ method: "POST", path: "/placeholder/abc", pathValues: { service: "a%20b", entityType: "x" } });
    const routed = run(request, { newPath: "/{service}/@connectionParameters('token:tenantId')/api/{entityType}" }, context({ "token:tenantId": "t 1" }));
    expect(routed.path).toBe("/a%20b/t%201/api/x");
    expect(routed.method).toBe("POST");
    expect(routed.hostUrl).toBe(request.hostUrl);
  });

  it("moves a query written in newPath into the query, before the request's own parameters", () => {
    const request = requestDraft({ query: [["indicator_type", "domain"], ["indicator_value", "a b&c"]] });
    const routed = run(request, { newPath: "/passivedns/search?@queryParameters('indicator_type')=@queryParameters('indicator_value')" }, context());
    expect(routed.path).toBe("/passivedns/search");
    expect(routed.query).toEqual([["domain", "a b&c"], ...request.query]);
  });

  it("keeps the method for @Request.OriginalHTTPMethod and sets an explicit one", () => {
    const request = requestDraft({ method: "PATCH" });
    expect(run(request, { newPath: "/StockData", httpMethod: "@Request.OriginalHTTPMethod" }, context()).method).toBe("PATCH");
    expect(run(request, { newPath: "/envelopes/1", httpMethod: "delete" }, context()).method).toBe("DELETE");
  });

  it("refuses an unknown method, a placeholder that is not a path parameter, and a relative path", () => {
    expect(() => run(requestDraft(), { newPath: "/x", httpMethod: "FETCH" }, context())).toThrow(/httpMethod "FETCH" is not one of/);
    expect(() => run(requestDraft(), { newPath: "/x/{nope}" }, context())).toThrow(
      `newPath "/x/{nope}" names {nope}, which is not a path parameter of the operation (its path parameters: activityId)`,
    );
    expect(() => run(requestDraft(), { newPath: "x" }, context())).toThrow(/must start with "\/"/);
  });
});
