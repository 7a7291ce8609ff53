import { describe, expect, it } from "vitest";
import { dynamicHostUrl } from "../../src/policies/dynamichosturl.ts";
import { PolicyError } from "../../src/policies/template.ts";
import { context, requestDraft } from "./support.ts";

// Parameter shapes from our connector/apiProperties.yaml and ../shared/reference/connector-format.md §4.4.
const run = dynamicHostUrl.onRequest!;

describe("dynamichosturl", () => {
  it("sets the host URL from a connection parameter and leaves path and query alone", () => {
    const request = requestDraft({ hostUrl: "https://operations.dynamics.com", query: [["a", "1"]] });
    const routed = run(request, { urlTemplate: "@connectionParameters('token:resourceUri')" }, context({ "token:resourceUri": "https://contoso.example.com" }));
    expect(routed).toEqual({ ...request, hostUrl: "https://contoso.example.com" });
  });

  it("takes a whole URL, query included, from a header (the Download operation)", () => {
    const location = "https://contoso.example.com/api/connector/download/%7Bid%7D?correlation-id=c&blob=b";
    const request = requestDraft({ path: "/", headers: { downloadlocation: location } });
    expect(run(request, { urlTemplate: "@headers('downloadLocation')" }, context()).hostUrl).toBe(location);
  });

  it("builds the host from literal text around an expression", () => {
    const routed = run(requestDraft(), { urlTemplate: "https://@connectionParameters('vault').vault.azure.net" }, context({ vault: "kv1" }));
    expect(routed.hostUrl).toBe("https://kv1.vault.azure.net");
  });

  it("refuses a template that does not evaluate to an absolute http(s) URL", () => {
    expect(() => run(requestDraft(), { urlTemplate: "@connectionParameters('host')" }, context({ host: "contoso.example.com" }))).toThrow(
      new PolicyError(`urlTemplate "@connectionParameters('host')" evaluated to "contoso.example.com", which is not an absolute http(s) URL`),
    );
  });

  it("has no Response-section handler", () => {
    expect(dynamicHostUrl.onResponse).toBeUndefined();
  });
});
