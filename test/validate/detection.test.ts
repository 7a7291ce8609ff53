/**
 * Known-invalid connectors: each a defect Power Platform refuses (the rule's evidence says where that is written),
 * injected into the clean connector. Each must come out as an error, whatever became a warning to let real
 * certified connectors through.
 */
import { describe, expect, it } from "vitest";
import { validateDocuments } from "../../src/validate/index.ts";
import { connector, type Docs } from "./fixtures.ts";

const getOrder = (d: Docs) => d.definition.paths["/orders/{orderId}"].get;
const createOrder = (d: Docs) => d.definition.paths["/orders"].post;
const simpleGet = (operationId: string) => ({ operationId, summary: operationId, responses: { "200": { description: "OK" } } });

const kinds: [string, string, (d: Docs) => void][] = [
  ["an OpenAPI 3 document", "document-structure", (d) => { delete d.definition.swagger; d.definition.openapi = "3.0.1"; }],
  ["parameters that are not a list", "document-structure", (d) => (getOrder(d).parameters = { orderId: {} })],
  ["a path without a leading slash", "path-syntax", (d) => (d.definition.paths["orders/open"] = { get: simpleGet("ListOpen") })],
  ["a query string in a path", "path-syntax", (d) => (d.definition.paths["/orders?open=true"] = { get: simpleGet("ListOpen") })],
  ["a host with a scheme", "host-base-path", (d) => (d.definition.host = "https://contoso.example.com")],
  ["a basePath without a leading slash", "host-base-path", (d) => (d.definition.basePath = "api/v1")],
  ["a $ref to another file", "ref-local", (d) => (getOrder(d).responses["200"].schema = { $ref: "schemas.json#/Order" })],
  ["a dangling $ref", "ref-resolves", (d) => (getOrder(d).responses["200"].schema = { $ref: "#/definitions/Ordr" })],
  ["an operation without operationId", "operation-id-present", (d) => delete createOrder(d).operationId],
  ["two operations with one operationId", "operation-id-unique", (d) => (createOrder(d).operationId = "GetOrder")],
  ["a path variable without a parameter", "path-params-declared", (d) => (getOrder(d).parameters = [])],
  ["two body parameters", "body-parameter-single", (d) => createOrder(d).parameters.push({ name: "note", in: "body", schema: { type: "string" } })],
  ["body and formData together", "body-and-form-data", (d) => createOrder(d).parameters.push({ name: "note", in: "formData", type: "string" })],
  ["a parameter named connectionId", "parameter-name-reserved", (d) => getOrder(d).parameters.push({ name: "connectionId", in: "query", type: "string" })],
  ["an operation without summary", "operation-summary", (d) => delete createOrder(d).summary],
  ["a summary with a restricted character", "operation-summary-characters", (d) => (getOrder(d).summary = "Get an order & its lines")],
  ["a title over 30 characters", "info-title-length", (d) => (d.definition.info.title = "Contoso Orders and Invoices Service")],
  ["a definition of 1 MB", "definition-size", (d) => (d.definition.info.description = "x".repeat(1_000_000))],
  ["257 operations", "operation-count", (d) => { for (let i = 0; i < 255; i++) d.definition.paths[`/items/${i}`] = { get: simpleGet(`GetItem${i}`) }; }],
  ["a connection parameter name with '-'", "connection-parameter-name", (d) => (d.properties.properties.connectionParameters["api-key"] = { type: "securestring" })],
  ["an unknown connection parameter type", "connection-parameter-type", (d) => (d.properties.properties.connectionParameters.api_key = { type: "password" })],
  ["a token:TenantId that is not hidden", "tenant-id-companion", (d) => (d.properties.properties.connectionParameters["token:TenantId"].uiDefinition.constraints.hidden = "false")],
];

describe("known-invalid connectors are errors", () => {
  it("covers at least 17 kinds", () => {
    expect(kinds.length).toBeGreaterThanOrEqual(17);
  });

  it.each(kinds)("%s (%s)", (_, rule, edit) => {
    const errors = validateDocuments(connector(edit)).filter((f) => f.severity === "error");
    expect(errors.map((f) => f.rule)).toContain(rule);
  });
});
