/**
 * A small connector package exercising the request features one at a time. Its shape follows Swagger 2.0
 * and the certified connectors in ../shared/corpus: a shared path parameter by `$ref`, an internal
 * defaulted query parameter (as `api-version` parameters are written there), `collectionFormat: multi`,
 * `x-ms-url-encoding: double`, binary, text and form bodies, and `x-nullable` in a response schema.
 */
import type { ConnectorPackage } from "../../../src/gateway/index.ts";

export const fixtureDefinition = {
  swagger: "2.0",
  info: { title: "Fixture", version: "1.0" },
  host: "api.example.com",
  basePath: "/v1",
  schemes: ["http", "https"],
  consumes: ["application/json"],
  produces: ["application/json"],
  paths: {
    "/items/{itemId}": {
      parameters: [{ $ref: "#/parameters/itemId" }],
      get: {
        operationId: "GetItem",
        parameters: [
          { name: "tags", in: "query", type: "array", items: { type: "string" } },
          { name: "ids", in: "query", type: "array", collectionFormat: "multi", items: { type: "integer" } },
          { name: "api-version", in: "query", required: true, type: "string", default: "2024-01", "x-ms-visibility": "internal" },
          { name: "X-Trace", in: "header", type: "string" },
        ],
        responses: { "200": { description: "The item.", schema: { $ref: "#/definitions/Item" } }, "404": { $ref: "#/responses/NotFound" } },
      },
      put: {
        operationId: "PutItem",
        parameters: [{ name: "item", in: "body", required: true, schema: { $ref: "#/definitions/Item" } }],
        responses: { "200": { description: "Saved; no body.", schema: { type: "object", properties: {} } }, "204": { description: "Saved." } },
      },
    },
    "/files/{path}": {
      get: {
        operationId: "GetFile",
        parameters: [{ name: "path", in: "path", required: true, type: "string", "x-ms-url-encoding": "double" }],
        responses: { "200": { description: "The bytes.", schema: { type: "string", format: "binary" } } },
      },
    },
    "/upload": {
      post: {
        operationId: "Upload",
        consumes: ["application/octet-stream"],
        parameters: [{ name: "content", in: "body", required: true, schema: { type: "string", format: "binary" } }],
        responses: { "200": { description: "The message ID.", schema: { type: "string" } } },
      },
    },
    "/note": {
      post: {
        operationId: "PostNote",
        consumes: ["text/plain"],
        parameters: [{ name: "note", in: "body", required: true, schema: { type: "string" } }],
        responses: { "200": { description: "Done." } },
      },
    },
    "/form": {
      post: {
        operationId: "PostForm",
        consumes: ["application/x-www-form-urlencoded"],
        parameters: [
          { name: "grant_type", in: "formData", required: true, type: "string" },
          { name: "scope", in: "formData", type: "string" },
        ],
        responses: { "200": { description: "Done." } },
      },
    },
    "/multipart": {
      post: {
        operationId: "PostFile",
        consumes: ["multipart/form-data"],
        parameters: [
          { name: "file", in: "formData", required: true, type: "file" },
          { name: "label", in: "formData", type: "string" },
        ],
        responses: { "200": { description: "Done." } },
      },
    },
  },
  parameters: {
    itemId: { name: "itemId", in: "path", required: true, type: "string", "x-ms-url-encoding": "single" },
  },
  responses: {
    NotFound: { description: "No such item.", schema: { $ref: "#/definitions/ODataError" } },
  },
  definitions: {
    Item: {
      type: "object",
      required: ["name"],
      properties: {
        name: { type: "string" },
        kind: { type: "string", default: "standard", "x-ms-visibility": "internal" },
        owner: { type: "string", "x-nullable": true },
        size: { type: "integer" },
      },
    },
    ODataError: {
      type: "object",
      properties: {
        error: { type: "object", properties: { code: { type: "string" }, message: { type: "string" }, innererror: { type: "object" } } },
      },
    },
  },
  securityDefinitions: {
    oauth: { type: "oauth2", flow: "accessCode", authorizationUrl: "https://login.example.com/authorize", tokenUrl: "https://login.example.com/token", scopes: {} },
  },
  security: [{ oauth: [] }],
};

/** The fixture with the given policy template instances (and other apiProperties keys). */
export function fixturePackage(properties: Record<string, unknown> = {}, definitionChanges: Record<string, unknown> = {}): ConnectorPackage {
  return {
    definition: { ...structuredClone(fixtureDefinition), ...definitionChanges },
    properties: {
      properties: {
        connectionParameters: { token: { type: "oauthSetting", oAuthSettings: { identityProvider: "oauth2" } } },
        policyTemplateInstances: [],
        ...properties,
      },
    },
  };
}

/** A connection that satisfies the fixture's OAuth requirement. */
export const fixtureConnection = { token: "access-token" };
