import { describe, expect, it } from "vitest";
import { setHeader } from "../../src/policies/setheader.ts";
import { context, requestDraft, responseContext, responseDraft } from "./support.ts";

// Parameter shapes as in our connector/apiProperties.yaml and certified-connectors/Alkymi, /Oneflow, /HYAS Insight (corpus).
const onRequest = setHeader.onRequest!;
const onResponse = setHeader.onResponse!;

describe("setheader", () => {
  it("override (the default) replaces a header whatever the case of its name", () => {
    const request = requestDraft({ headers: { accept: "text/plain" } });
    expect(onRequest(request, { name: "Accept", value: "application/json" }, context()).headers).toEqual({ accept: "application/json" });
  });

  it("skip keeps a header that is already there and adds a missing one", () => {
    const request = requestDraft({ headers: { "content-type": "application/xml" } });
    expect(onRequest(request, { name: "Content-Type", value: "application/json", existsAction: "skip" }, context()).headers).toEqual({
      "content-type": "application/xml",
    });
    expect(onRequest(requestDraft(), { name: "Content-Type", value: "application/json", existsAction: "skip" }, context()).headers).toEqual({
      "content-type": "application/json",
    });
  });

  it("append adds the value to the existing one", () => {
    const request = requestDraft({ headers: { "user-agent": "flow" } });
    expect(onRequest(request, { name: "User-Agent", value: "Microsoft Sentinel", existsAction: "append" }, context()).headers).toEqual({
      "user-agent": "flow, Microsoft Sentinel",
    });
  });

  it("evaluates expressions in the value, reading headers as the request has them", () => {
    const request = requestDraft({ headers: { authorization: "abc" } });
    const set = onRequest(request, { name: "Authorization", value: "Bearer @headers('Authorization')" }, context());
    expect(set.headers).toEqual({ authorization: "Bearer abc" });
    const fromConnection = onRequest(requestDraft(), { name: "Authorization", value: "Token @connectionParameters('api_key')" }, context({ api_key: "k" }));
    expect(fromConnection.headers).toEqual({ authorization: "Token k" });
  });

  it("sets a response header in the Response section, leaving the request alone", () => {
    const response = responseDraft({ headers: { "content-type": "text/plain" } });
    const set = onResponse(response, { name: "Content-Type", value: "application/json" }, responseContext());
    expect(set).toEqual({ ...response, headers: { "content-type": "application/json" } });
  });

  it("refuses an unknown existsAction", () => {
    expect(() => onRequest(requestDraft(), { name: "a", value: "b", existsAction: "replace" }, context())).toThrow(
      /existsAction' must be override, skip or append, found "replace"/,
    );
  });
});
