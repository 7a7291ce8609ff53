import { describe, expect, it } from "vitest";
import { setProperty } from "../../src/policies/setproperty.ts";
import { context, json, requestDraft, responseContext, responseDraft } from "./support.ts";

// Parameter shapes from certified-connectors/Almabase, /LawVu, /Oneflow, /iObeya and /Blackbaud Raiser's Edge NXT Gifts (corpus).
const onRequest = setProperty.onRequest!;
const onResponse = setProperty.onResponse!;
const at = (parent: string, sub: string, value: string) => ({
  newPropertyParentPathTemplate: parent,
  newPropertySubPathTemplate: sub,
  propertyValuePathTemplate: value,
});

describe("setproperty", () => {
  it("sets plain text as a string, without touching the draft it was given", () => {
    const request = requestDraft({ body: json({ url: "u" }) });
    const set = onRequest(request, at("@body()", "source", "Microsoft Power Automate"), context());
    expect(set.body).toEqual(json({ url: "u", source: "Microsoft Power Automate" }));
    expect(request.body).toEqual(json({ url: "u" }));
  });

  it("parses a JSON literal value", () => {
    const set = onRequest(requestDraft({ body: json({}) }), at("@body()", "topics", '["matter.created", "matter.updated"]'), context());
    expect(set.body).toEqual(json({ topics: ["matter.created", "matter.updated"] }));
  });

  it("embeds expression values as JSON inside a JSON literal", () => {
    const request = requestDraft({ body: json({ filters: ["a", "b"], payments: { amount: 5 } }) });
    const wrapped = onRequest(request, at("@body()", "payments", "[{@body().payments}]"), context());
    expect(wrapped.body).toEqual(json({ filters: ["a", "b"], payments: [{ amount: 5 }] }));
    const nested = onRequest(request, at("@body()", "filters", '[{"filter_rules": [{"type": "EVENT_TYPE", "values": {@body().filters} }] }]'), context());
    expect(nested.body).toEqual(json({ filters: [{ filter_rules: [{ type: "EVENT_TYPE", values: ["a", "b"] }] }], payments: { amount: 5 } }));
  });

  it("keeps the type of a value that is one expression, and leaves the property unset when it is missing", () => {
    const response = responseDraft({ body: json({ next: 3, items: [] }) });
    expect(onResponse(response, at("@body()", "nextLink", "{@body().next}"), responseContext()).body).toEqual(json({ next: 3, items: [], nextLink: 3 }));
    expect(onResponse(responseDraft({ body: json({}) }), at("@body()", "nextLink", "{@body().next}"), responseContext()).body).toEqual(json({}));
  });

  it("writes a '…'-quoted value as text with its expressions", () => {
    const set = onRequest(requestDraft({ body: json({ id: 7 }) }), at("@body()", "title", "'{@body().id}-x'"), context());
    expect(set.body).toEqual(json({ id: 7, title: "7-x" }));
  });

  it("creates missing parents, sets dotted sub paths, and reads body() without the @", () => {
    const set = onRequest(requestDraft({ body: json({}) }), at("body().favicon_generation", "api.key", "k1"), context());
    expect(set.body).toEqual(json({ favicon_generation: { api: { key: "k1" } } }));
  });

  it("sets the property on each object when the parent is an array", () => {
    const set = onRequest(requestDraft({ body: json({ gifts: [{ a: 1 }, { a: 2 }] }) }), at("@body().gifts", "type", "Donation"), context());
    expect(set.body).toEqual(json({ gifts: [{ a: 1, type: "Donation" }, { a: 2, type: "Donation" }] }));
  });

  it("starts a JSON body when there is none", () => {
    expect(onRequest(requestDraft(), at("@body()", "version", "v1"), context()).body).toEqual(json({ version: "v1" }));
  });

  it("refuses a binary body, a parent that is not @body() and invalid JSON", () => {
    const binary = requestDraft({ body: { kind: "binary", data: new Uint8Array([1]) } });
    expect(() => onRequest(binary, at("@body()", "a", "b"), context())).toThrow("setproperty needs a JSON body, but this message's body is binary");
    expect(() => onRequest(requestDraft(), at("@headers('x')", "a", "b"), context())).toThrow(/must be a @body\(\) path/);
    expect(() => onRequest(requestDraft(), at("@body()", "a", "[1,"), context())).toThrow(/is not valid JSON once evaluated/);
    expect(() => onRequest(requestDraft({ body: json({ s: "text" }) }), at("@body().s", "a", "b"), context())).toThrow(
      "@body().s is a string, not an object",
    );
  });
});
