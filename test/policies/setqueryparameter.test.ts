import { describe, expect, it } from "vitest";
import { setQueryParameter } from "../../src/policies/setqueryparameter.ts";
import { context, requestDraft } from "./support.ts";

// Parameter shapes as in certified-connectors/3E Events, independent-publisher-connectors/Tikit and /Library of Congress (corpus).
const run = setQueryParameter.onRequest!;

describe("setqueryparameter", () => {
  it("override replaces every occurrence with one, in the first one's place", () => {
    const request = requestDraft({ query: [["a", "1"], ["fo", "xml"], ["b", "2"], ["fo", "html"]] });
    expect(run(request, { name: "fo", value: "json", existsAction: "override" }, context()).query).toEqual([
      ["a", "1"],
      ["fo", "json"],
      ["b", "2"],
    ]);
  });

  it("skip sets a default only when the caller gave none", () => {
    const given = requestDraft({ query: [["instance", "mine"]] });
    const parameters = { name: "instance", value: "@connectionParameters('instance')", existsAction: "skip" };
    expect(run(given, parameters, context({ instance: "theirs" })).query).toEqual([["instance", "mine"]]);
    expect(run(requestDraft(), parameters, context({ instance: "theirs" })).query).toEqual([["instance", "theirs"]]);
  });

  it("append adds another occurrence after the existing ones", () => {
    const request = requestDraft({ query: [["$filter", "a eq 1"]] });
    expect(run(request, { name: "$filter", value: "IsArchived eq false", existsAction: "append" }, context()).query).toEqual([
      ["$filter", "a eq 1"],
      ["$filter", "IsArchived eq false"],
    ]);
  });

  it("has no Response-section handler", () => {
    expect(setQueryParameter.onResponse).toBeUndefined();
  });
});
