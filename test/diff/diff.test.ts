import { describe, expect, it } from "vitest";
import { diffConnectors, gate, type Change } from "../../src/diff/index.ts";
import { connector, type Docs } from "../validate/fixtures.ts";

const getOrder = (d: Docs) => d.definition.paths["/orders/{orderId}"].get;
const createOrder = (d: Docs) => d.definition.paths["/orders"].post;
const order = (d: Docs) => d.definition.definitions.Order;

/** The changes from the clean connector to the edited one, as [class, kind, operation]. */
function changes(edit: (d: Docs) => void): [Change["class"], string, string | undefined][] {
  return diffConnectors(connector(), connector(edit)).map((c) => [c.class, c.kind, c.operation]);
}

describe("diff: hand-made pairs for every class", () => {
  it("finds nothing between a connector and itself", () => {
    expect(diffConnectors(connector(), connector())).toEqual([]);
  });

  it.each<[string, (d: Docs) => void, [Change["class"], string, string | undefined]]>([
    ["operation removed", (d) => delete d.definition.paths["/orders"], ["breaking", "operation-removed", "CreateOrder"]],
    ["operation renamed", (d) => (createOrder(d).operationId = "AddOrder"), ["breaking", "operation-removed", "CreateOrder"]],
    ["path changed", (d) => { d.definition.paths["/v2/orders"] = d.definition.paths["/orders"]; delete d.definition.paths["/orders"]; }, ["breaking", "path-changed", "CreateOrder"]],
    ["verb changed", (d) => { d.definition.paths["/orders"].put = createOrder(d); delete d.definition.paths["/orders"].post; }, ["breaking", "method-changed", "CreateOrder"]],
    ["required input added", (d) => getOrder(d).parameters.push({ name: "expand", in: "query", type: "string", required: true }), ["breaking", "required-input-added", "GetOrder"]],
    ["input removed", (d) => (getOrder(d).parameters = []), ["breaking", "input-removed", "GetOrder"]],
    ["input type changed", (d) => (getOrder(d).parameters[0].type = "integer"), ["breaking", "input-type-changed", "GetOrder"]],
    ["input format changed", (d) => (getOrder(d).parameters[0].format = "uuid"), ["breaking", "input-format-changed", "GetOrder"]],
    ["output field removed", (d) => delete order(d).properties.customer, ["breaking", "output-removed", "GetOrder"]],
    ["output type changed", (d) => (order(d).properties.customer.type = "object"), ["breaking", "output-type-changed", "GetOrder"]],
    ["trigger kind changed", (d) => (getOrder(d)["x-ms-trigger"] = "single"), ["breaking", "trigger-kind-changed", "GetOrder"]],
    ["connection parameter removed", (d) => delete d.properties.properties.connectionParameters["token:resourceUri"], ["breaking", "connection-changed", undefined]],
    ["auth changed", (d) => (d.properties.properties.connectionParameters.token.oAuthSettings.identityProvider = "oauth2"), ["breaking", "auth-changed", undefined]],
    ["constraint tightened", (d) => (getOrder(d).parameters[0].maxLength = 10), ["warning", "constraint-tightened", "GetOrder"]],
    ["default changed", (d) => (getOrder(d).parameters[0].default = "1"), ["warning", "default-changed", "GetOrder"]],
    ["response code removed", (d) => delete getOrder(d).responses["404"], ["warning", "response-removed", "GetOrder"]],
    ["x-ms-dynamic-values changed", (d) => (getOrder(d).parameters[0]["x-ms-dynamic-values"] = { operationId: "ListOrders" }), ["warning", "dynamic-changed", "GetOrder"]],
    ["new operation", (d) => (d.definition.paths["/customers"] = { get: { operationId: "ListCustomers", responses: { "200": { description: "OK" } } } }), ["safe", "operation-added", "ListCustomers"]],
    ["new optional input", (d) => getOrder(d).parameters.push({ name: "expand", in: "query", type: "string" }), ["safe", "optional-input-added", "GetOrder"]],
    ["new output field", (d) => (order(d).properties.total = { type: "number" }), ["safe", "output-added", "GetOrder"]],
    ["text and visibility", (d) => { getOrder(d).description = "Reads one order."; getOrder(d).parameters[0]["x-ms-visibility"] = "advanced"; }, ["safe", "text-changed", "GetOrder"]],
  ])("%s", (_, edit, expected) => {
    expect(changes(edit)).toContainEqual(expected);
  });

  it("moves a parameter from path to query as a location change, with the gate's wording", () => {
    const found = diffConnectors(
      connector((d) => d.definition.paths["/orders"].post.parameters.push({ name: "channel", in: "header", type: "string" })),
      connector((d) => d.definition.paths["/orders"].post.parameters.push({ name: "channel", in: "query", type: "string" })),
    );
    expect(found).toEqual([
      expect.objectContaining({ class: "breaking", kind: "input-location-changed", operation: "CreateOrder", message: `${gate.locationChanged} 'channel': header → query` }),
    ]);
  });

  it("removes an enum value as breaking and gives both sides' pointers", () => {
    const found = diffConnectors(
      connector((d) => (getOrder(d).parameters[0].enum = ["a", "b"])),
      connector((d) => (getOrder(d).parameters[0].enum = ["a"])),
    );
    expect(found).toEqual([
      {
        class: "breaking",
        kind: "enum-value-removed",
        operation: "GetOrder",
        message: `Input field 'orderId' no longer takes "b"`,
        old: { document: "apiDefinition", pointer: "/paths/~1orders~1{orderId}/get/parameters/0" },
        new: { document: "apiDefinition", pointer: "/paths/~1orders~1{orderId}/get/parameters/0" },
      },
    ]);
  });

  it("takes a new revision in the same family as safe, and a deprecation marked in the summary as safe", () => {
    const found = diffConnectors(
      connector(),
      connector((d) => {
        Object.assign(getOrder(d), { deprecated: true, summary: "Get an order (deprecated)", "x-ms-api-annotation": { family: "GetOrder", revision: 1 } });
        d.definition.paths["/v2/orders/{orderId}"] = {
          get: { ...structuredClone(getOrder(d)), operationId: "GetOrderV2", deprecated: false, summary: "Get an order", "x-ms-api-annotation": { family: "GetOrder", revision: 2 } },
        };
      }),
    );
    expect(found.filter((c) => c.class !== "safe")).toEqual([expect.objectContaining({ kind: "annotation-changed" })]);
    expect(found).toContainEqual(expect.objectContaining({ class: "safe", kind: "operation-added", operation: "GetOrderV2", message: "New operation (a new revision of 'GetOrder')" }));
    expect(found).toContainEqual(expect.objectContaining({ class: "safe", kind: "operation-deprecated", operation: "GetOrder" }));
  });

  it("warns about a deprecation the summary does not announce", () => {
    expect(changes((d) => (getOrder(d).deprecated = true))).toContainEqual(["warning", "operation-deprecated", "GetOrder"]);
  });

  it("does not count a required field inside an optional body object as a required input", () => {
    const found = changes((d) => {
      createOrder(d).parameters[0].required = false;
      order(d).required = ["notes"];
      order(d).properties.notes = { type: "string" };
    });
    expect(found).toContainEqual(["safe", "optional-input-added", "CreateOrder"]);
    expect(found.filter(([c]) => c === "breaking")).toEqual([]);
  });
});

/** The clean connector without its dynamichosturl policy, so every operation calls `host` + `basePath`. */
const onDefinitionHost = (d: Docs) => (d.properties.properties.policyTemplateInstances = []);
const hookPath = "/hooks/orders";
/** A webhook trigger whose payload (x-ms-notification-content, on the path item) has orderId and total. */
const withWebhook = (d: Docs) => {
  d.definition.paths[hookPath] = {
    "x-ms-notification-content": {
      description: "The order that was created.",
      schema: { type: "object", properties: { orderId: { type: "string" }, total: { type: "number" } } },
    },
    post: { operationId: "OnOrderCreated", "x-ms-trigger": "single", responses: { "201": { description: "Subscribed." } } },
  };
};
const payload = (d: Docs) => d.definition.paths[hookPath]["x-ms-notification-content"];
const payloadPointer = "/paths/~1hooks~1orders/x-ms-notification-content";

describe("diff: host and basePath", () => {
  it("reports a changed host as breaking with both values and /host on both sides when operations call it", () => {
    const found = diffConnectors(connector(onDefinitionHost), connector((d) => { onDefinitionHost(d); d.definition.host = "orders.fabrikam.example.com"; }));
    expect(found).toEqual([
      {
        class: "breaking",
        kind: "host-changed",
        message: `The host has been changed: "contoso.example.com" → "orders.fabrikam.example.com". Existing flows' actions now call another server: GetOrder, CreateOrder`,
        old: { document: "apiDefinition", pointer: "/host" },
        new: { document: "apiDefinition", pointer: "/host" },
      },
    ]);
  });

  it("warns about a changed host that a dynamichosturl policy replaces for every operation", () => {
    const found = diffConnectors(connector(), connector((d) => (d.definition.host = "orders.fabrikam.example.com")));
    expect(found).toEqual([expect.objectContaining({ class: "warning", kind: "host-changed", old: { document: "apiDefinition", pointer: "/host" } })]);
    expect(found[0]!.message).toContain(`"contoso.example.com" → "orders.fabrikam.example.com"`);
    expect(found[0]!.message).toContain("no operation calls it: dynamichosturl sets the host URL of every operation");
  });

  it("counts only the operations no dynamichosturl instance is scoped to", () => {
    const scoped = (d: Docs) => {
      d.properties.properties.policyTemplateInstances[0].parameters["x-ms-apimTemplate-operationName"] = ["GetOrder"];
    };
    const found = diffConnectors(connector(scoped), connector((d) => { scoped(d); d.definition.host = "orders.fabrikam.example.com"; }));
    expect(found).toEqual([expect.objectContaining({ class: "breaking", kind: "host-changed" })]);
    expect(found[0]!.message).toMatch(/another server: CreateOrder$/);
  });

  it("reports a moved basePath as breaking, a missing one read as /", () => {
    const found = diffConnectors(connector((d) => { onDefinitionHost(d); delete d.definition.basePath; }), connector((d) => { onDefinitionHost(d); d.definition.basePath = "/v2"; }));
    expect(found).toEqual([
      {
        class: "breaking",
        kind: "base-path-changed",
        message: `The base path has been changed: "/" → "/v2". The URL of every action moves: GetOrder, CreateOrder`,
        old: { document: "apiDefinition", pointer: "/basePath" },
        new: { document: "apiDefinition", pointer: "/basePath" },
      },
    ]);
  });

  it("warns about a moved basePath under a dynamichosturl policy for every operation", () => {
    expect(changes((d) => (d.definition.basePath = "/v2"))).toEqual([["warning", "base-path-changed", undefined]]);
  });

  it("finds no change in the host's letter case or in a basePath of / written out or left out", () => {
    const found = diffConnectors(
      connector(onDefinitionHost),
      connector((d) => { onDefinitionHost(d); d.definition.host = "Contoso.Example.COM"; delete d.definition.basePath; }),
    );
    expect(found).toEqual([]);
  });
});

describe("diff: a webhook trigger's payload (x-ms-notification-content)", () => {
  const payloadChanges = (edit: (d: Docs) => void) => diffConnectors(connector(withWebhook), connector((d) => { withWebhook(d); edit(d); }));

  it("finds nothing between two copies of a webhook trigger", () => {
    expect(diffConnectors(connector(withWebhook), connector(withWebhook))).toEqual([]);
  });

  it("reports a payload property removed as a deleted output field of the trigger, at its pointer", () => {
    expect(payloadChanges((d) => delete payload(d).schema.properties.total)).toEqual([
      {
        class: "breaking",
        kind: "output-removed",
        operation: "OnOrderCreated",
        message: `${gate.outputDeleted} 'total'`,
        old: { document: "apiDefinition", pointer: `${payloadPointer}/schema/properties/total` },
        new: { document: "apiDefinition", pointer: "/paths/~1hooks~1orders/post" },
      },
    ]);
  });

  it("reports a payload property's type change as breaking, at both pointers", () => {
    expect(payloadChanges((d) => (payload(d).schema.properties.total.type = "string"))).toEqual([
      {
        class: "breaking",
        kind: "output-type-changed",
        operation: "OnOrderCreated",
        message: `${gate.outputTypeChanged} 'total': "number" → "string"`,
        old: { document: "apiDefinition", pointer: `${payloadPointer}/schema/properties/total` },
        new: { document: "apiDefinition", pointer: `${payloadPointer}/schema/properties/total` },
      },
    ]);
  });

  it("takes a new payload property as a safe new output, and a new description as a text change", () => {
    const found = payloadChanges((d) => {
      payload(d).schema.properties.currency = { type: "string" };
      payload(d).description = "The order just created.";
    });
    expect(found.map((c) => [c.class, c.kind, c.operation])).toEqual([
      ["safe", "text-changed", "OnOrderCreated"],
      ["safe", "output-added", "OnOrderCreated"],
    ]);
    expect(found[0]).toMatchObject({ old: { pointer: `${payloadPointer}/description` }, new: { pointer: `${payloadPointer}/description` } });
  });

  it("reads the payload, not the subscribe response, as the trigger's outputs", () => {
    const withSubscription = (d: Docs) => {
      withWebhook(d);
      d.definition.paths[hookPath].post.responses["201"].schema = { type: "object", properties: { id: { type: "string" } } };
    };
    const found = diffConnectors(connector(withSubscription), connector((d) => { withSubscription(d); delete payload(d).schema.properties.orderId; }));
    expect(found.map((c) => [c.class, c.kind, c.message])).toEqual([["breaking", "output-removed", `${gate.outputDeleted} 'orderId'`]]);
  });
});
