/**
 * One failing and one passing fixture per rule, each a small edit of one clean connector.
 *
 * The clean connector follows the shapes of our own source (connector/) and of certified connectors as
 * connector-format.md describes them: an Entra ID (aad) `token` with its `token:TenantId` companion (§3.4),
 * a host from `token:resourceUri` through dynamichosturl (§4.4, RescoReports), and operations with
 * summary, description, x-ms-summary on every parameter and a schema on every success response.
 * A fixture's comment says which real shape or documented rule its edit stands for.
 */
import type { ConnectorDocuments } from "../../src/validate/index.ts";

// Fixtures edit JSON several levels deep; typing each level would hide what the edit changes.
type Json = any;

export interface Docs extends ConnectorDocuments {
  definition: Json;
  properties: Json;
  duplicateKeys?: ConnectorDocuments["duplicateKeys"];
}

const orderIdParameter = {
  name: "orderId",
  in: "path",
  required: true,
  type: "string",
  "x-ms-url-encoding": "single",
  "x-ms-summary": "Order ID",
  description: "The ID of the order.",
};

function cleanConnector(): Docs {
  return {
    definition: {
      swagger: "2.0",
      info: {
        title: "Contoso Orders",
        description: "Create and read orders in Contoso's order service.",
        version: "1.0",
        contact: { name: "Contoso", url: "https://contoso.example.com", email: "support@contoso.example.com" },
      },
      host: "contoso.example.com",
      basePath: "/",
      schemes: ["https"],
      consumes: [],
      produces: ["application/json"],
      paths: {
        "/orders/{orderId}": {
          get: {
            operationId: "GetOrder",
            summary: "Get an order",
            description: "Returns one order with its lines.",
            "x-ms-visibility": "important",
            parameters: [structuredClone(orderIdParameter)],
            responses: {
              "200": { description: "The order.", schema: { $ref: "#/definitions/Order" } },
              "404": { description: "No such order." },
            },
          },
        },
        "/orders": {
          post: {
            operationId: "CreateOrder",
            summary: "Create an order",
            description: "Creates an order and returns it with its new ID.",
            consumes: ["application/json"],
            parameters: [
              {
                name: "order",
                in: "body",
                required: true,
                "x-ms-summary": "Order",
                description: "The order to create.",
                schema: { $ref: "#/definitions/Order" },
              },
            ],
            responses: { "201": { description: "The created order.", schema: { $ref: "#/definitions/Order" } } },
          },
        },
      },
      definitions: {
        Order: {
          type: "object",
          properties: {
            id: { type: "string", "x-ms-summary": "Order ID", description: "The ID of the order." },
            customer: { type: "string", "x-ms-summary": "Customer", description: "Who placed the order." },
          },
        },
      },
      securityDefinitions: {
        "oauth2-auth": {
          type: "oauth2",
          flow: "accessCode",
          authorizationUrl: "https://login.microsoftonline.com/common/oauth2/authorize",
          tokenUrl: "https://login.windows.net/common/oauth2/authorize",
          scopes: {},
        },
      },
      security: [{ "oauth2-auth": [] }],
    },
    properties: {
      properties: {
        connectionParameters: {
          token: {
            type: "oauthSetting",
            oAuthSettings: {
              identityProvider: "aad",
              clientId: "00000000-0000-0000-0000-000000000000",
              scopes: [],
              redirectMode: "GlobalPerConnector",
              properties: { IsFirstParty: "False", AzureActiveDirectoryResourceId: "{{ resourceUri }}" },
              customParameters: {
                loginUri: { value: "https://login.microsoftonline.com" },
                tenantId: { value: "common" },
                resourceUri: { value: "{{ resourceUri }}" },
              },
            },
          },
          "token:resourceUri": {
            type: "string",
            uiDefinition: { displayName: "Service URL", description: "The address of your Contoso tenant.", constraints: { required: "true" } },
          },
          "token:TenantId": {
            type: "string",
            metadata: { sourceType: "AzureActiveDirectoryTenant" },
            uiDefinition: { constraints: { required: "false", hidden: "true" } },
          },
        },
        iconBrandColor: "#0b556a",
        capabilities: [],
        policyTemplateInstances: [
          {
            templateId: "dynamichosturl",
            title: "Tenant host",
            parameters: { "x-ms-apimTemplateParameter.urlTemplate": "@connectionParameters('token:resourceUri')" },
          },
        ],
      },
    },
  };
}

/** A copy of the clean connector with `edit` applied. */
export function connector(edit: (docs: Docs) => void = () => {}): Docs {
  const docs = cleanConnector();
  edit(docs);
  return docs;
}

const getOrder = (d: Docs) => d.definition.paths["/orders/{orderId}"].get;
const createOrder = (d: Docs) => d.definition.paths["/orders"].post;
const connectionParameters = (d: Docs) => d.properties.properties.connectionParameters;
const policies = (d: Docs) => d.properties.properties.policyTemplateInstances;
const labelled = (name: string, where: string, extra: object = {}) => ({
  name,
  in: where,
  type: "string",
  "x-ms-summary": name,
  description: `The ${name}.`,
  ...extra,
});
const labelledBody = (name: string) => ({
  name,
  in: "body",
  "x-ms-summary": name,
  description: `The ${name}.`,
  schema: { type: "string" },
});
/** An operation that passes every rule, for fixtures that need many. */
const simpleGet = (operationId: string) => ({
  operationId,
  summary: `Get ${operationId}`,
  description: `Returns ${operationId}.`,
  responses: { "200": { description: "The result.", schema: { type: "string" } } },
});

export interface RuleFixture {
  fail: Docs;
  pass: Docs;
}

export const ruleFixtures: Record<string, RuleFixture> = {
  "document-structure": {
    fail: connector((d) => (d.definition.swagger = "3.0")),
    pass: connector(),
  },
  "duplicate-key": {
    // What the loader lists for a file that writes "summary" twice in one operation.
    fail: connector((d) => (d.duplicateKeys = [{ document: "apiDefinition", pointer: "/paths/~1orders/post/summary" }])),
    pass: connector((d) => (d.duplicateKeys = [])),
  },
  "swagger-schema": {
    // certified-connectors/USB4SAP writes a root key 'basepath', which the official schema does not allow, and imports.
    fail: connector((d) => (d.definition.basepath = "/")),
    pass: connector((d) => (d.definition["x-contoso-build"] = "1")),
  },
  "path-syntax": {
    fail: connector((d) => (d.definition.paths["/orders?status=open"] = { get: simpleGet("ListOpenOrders") })),
    pass: connector((d) => (d.definition.paths["/orders/open"] = { get: simpleGet("ListOpenOrders") })),
  },
  "host-base-path": {
    // HostNameNotValid: a host with a scheme.
    fail: connector((d) => (d.definition.host = "https://contoso.example.com")),
    pass: connector((d) => {
      d.definition.host = "contoso.example.com:8443";
      d.definition.basePath = "/api";
    }),
  },
  "ref-local": {
    // A package that still names its source's schema file: the upload (and the gateway) has only this document.
    fail: connector((d) => (getOrder(d).responses["200"].schema = { $ref: "./schemas.json#/Order" })),
    // A URI fragment names the key "Order Line" (RFC 6901 §6); the gateway decodes it the same way.
    pass: connector((d) => {
      d.definition.definitions["Order Line"] = d.definition.definitions.Order;
      getOrder(d).responses["200"].schema = { $ref: "#/definitions/Order%20Line" };
    }),
  },
  "ref-resolves": {
    // A typo in a definition name, the most common dangling reference.
    fail: connector((d) => (getOrder(d).responses["200"].schema = { $ref: "#/definitions/Ordr" })),
    pass: connector((d) => {
      d.definition.parameters = { orderId: structuredClone(orderIdParameter) };
      getOrder(d).parameters = [{ $ref: "#/parameters/orderId" }];
    }),
  },
  "operation-id-present": {
    fail: connector((d) => delete getOrder(d).operationId),
    pass: connector(),
  },
  "operation-id-unique": {
    fail: connector((d) => (createOrder(d).operationId = "GetOrder")),
    pass: connector((d) => (createOrder(d).operationId = "GetOrderV2")),
  },
  "path-params-declared": {
    fail: connector((d) => {
      d.definition.paths["/orders/{orderId}/lines/{lineId}"] = d.definition.paths["/orders/{orderId}"];
      delete d.definition.paths["/orders/{orderId}"];
    }),
    // Path-level parameters count for every operation under the path (Swagger 2.0 Path Item Object).
    pass: connector((d) => {
      const item = d.definition.paths["/orders/{orderId}"];
      d.definition.paths["/orders/{orderId}/lines/{lineId}"] = item;
      delete d.definition.paths["/orders/{orderId}"];
      item.parameters = [labelled("lineId", "path", { required: true, "x-ms-url-encoding": "single" })];
    }),
  },
  "body-parameter-single": {
    fail: connector((d) => createOrder(d).parameters.push(labelledBody("note"))),
    pass: connector((d) => {
      d.definition.parameters = { order: createOrder(d).parameters[0] };
      createOrder(d).parameters = [{ $ref: "#/parameters/order" }];
    }),
  },
  "body-and-form-data": {
    fail: connector((d) => createOrder(d).parameters.push(labelled("note", "formData"))),
    pass: connector((d) => {
      createOrder(d).consumes = ["application/x-www-form-urlencoded"];
      createOrder(d).parameters = [labelled("customer", "formData"), labelled("note", "formData")];
    }),
  },
  "get-without-body": {
    // As certified-connectors/Assently-E-Sign's findCases once did.
    fail: connector((d) => getOrder(d).parameters.push(labelledBody("filter"))),
    pass: connector((d) => getOrder(d).parameters.push(labelled("filter", "query"))),
  },
  "security-defined": {
    fail: connector((d) => (d.definition.security = [{ api_key: [] }])),
    pass: connector((d) => (getOrder(d).security = [{ "oauth2-auth": [] }])),
  },
  "operation-success-response": {
    fail: connector((d) => delete getOrder(d).responses["200"]),
    pass: connector((d) => {
      getOrder(d).responses["202"] = getOrder(d).responses["200"];
      delete getOrder(d).responses["200"];
    }),
  },
  "x-ms-extension-placement": {
    // QueryParameterEncodingNotSupported: query parameters are always single-encoded.
    fail: connector((d) => getOrder(d).parameters.push(labelled("filter", "query", { "x-ms-url-encoding": "single" }))),
    // Dynamic values belong inside a body's schema (DynamicExtensionDefinitionNotAllowedInParameter).
    pass: connector((d) => {
      d.definition.definitions.Order.properties.customer["x-ms-dynamic-values"] = {
        operationId: "GetOrder",
        "value-path": "customer",
      };
    }),
  },
  "x-ms-visibility-value": {
    fail: connector((d) => (getOrder(d)["x-ms-visibility"] = "hidden")),
    // Certified connectors write 'Advanced' (CognitiveServicesQuestionAnswering) and '' (StaffCircle).
    pass: connector((d) => {
      getOrder(d)["x-ms-visibility"] = "Advanced";
      d.definition.definitions.Order.properties.customer["x-ms-visibility"] = "";
    }),
  },
  "x-ms-url-encoding-value": {
    fail: connector((d) => (getOrder(d).parameters[0]["x-ms-url-encoding"] = "none")),
    pass: connector((d) => (getOrder(d).parameters[0]["x-ms-url-encoding"] = "double")),
  },
  "x-ms-trigger-type": {
    // 'polling' is x-ms-trigger-metadata's mode, not a trigger type.
    fail: connector((d) => (getOrder(d)["x-ms-trigger"] = "polling")),
    pass: connector((d) => (getOrder(d)["x-ms-trigger"] = "single")),
  },
  "internal-required-default": {
    fail: connector((d) =>
      getOrder(d).parameters.push(labelled("api-version", "query", { required: true, "x-ms-visibility": "internal" })),
    ),
    pass: connector((d) =>
      getOrder(d).parameters.push(
        labelled("api-version", "query", { required: true, "x-ms-visibility": "internal", default: "2024-01-01" }),
      ),
    ),
  },
  "operation-id-sanitized": {
    fail: connector((d) => (getOrder(d).operationId = "Get_Order")),
    pass: connector((d) => (getOrder(d).operationId = "GetOrder2")),
  },
  "operation-summary": {
    fail: connector((d) => delete getOrder(d).summary),
    // An internal operation (a dynamic-values source) is never shown, so it needs no title.
    pass: connector((d) => {
      delete getOrder(d).summary;
      getOrder(d)["x-ms-visibility"] = "internal";
    }),
  },
  "operation-summary-length": {
    fail: connector((d) => (getOrder(d).summary = "Get an order".padEnd(81, "!"))),
    pass: connector((d) => (getOrder(d).summary = "Get an order".padEnd(80, "!"))),
  },
  "operation-summary-characters": {
    fail: connector((d) => (getOrder(d).summary = "Get an order/line")),
    pass: connector((d) => (getOrder(d).summary = "Get an order (with its lines)")),
  },
  "summary-not-description": {
    fail: connector((d) => (getOrder(d).description = "Get an Order")),
    pass: connector(),
  },
  "parameter-labels": {
    fail: connector((d) => delete getOrder(d).parameters[0]["x-ms-summary"]),
    pass: connector((d) =>
      getOrder(d).parameters.push({ name: "api-version", in: "query", type: "string", "x-ms-visibility": "internal", default: "1" }),
    ),
  },
  "parameter-name-reserved": {
    fail: connector((d) => getOrder(d).parameters.push(labelled("connectionId", "query"))),
    pass: connector((d) => getOrder(d).parameters.push(labelled("connection", "query"))),
  },
  "success-response-schema": {
    fail: connector((d) => delete getOrder(d).responses["200"].schema),
    pass: connector((d) => (getOrder(d).responses["204"] = { description: "Nothing to return." })),
  },
  "info-title-length": {
    fail: connector((d) => (d.definition.info.title = "C".repeat(31))),
    pass: connector((d) => (d.definition.info.title = "C".repeat(30))),
  },
  "definition-size": {
    fail: connector((d) => (d.definition.info.description = "x".repeat(1_000_000))),
    pass: connector((d) => (d.definition.info.description = "x".repeat(990_000))),
  },
  "operation-count": {
    fail: connector((d) => {
      for (let i = 0; i < 255; i++) d.definition.paths[`/items/${i}`] = { get: simpleGet(`GetItem${i}`) };
    }),
    pass: connector((d) => {
      for (let i = 0; i < 254; i++) d.definition.paths[`/items/${i}`] = { get: simpleGet(`GetItem${i}`) };
    }),
  },
  "connection-parameter-name": {
    fail: connector((d) => (connectionParameters(d)["api-key"] = { type: "securestring" })),
    pass: connector((d) => (connectionParameters(d)["api_key"] = { type: "securestring" })),
  },
  "connection-parameter-type": {
    fail: connector((d) => (connectionParameters(d).api_key = { type: "password" })),
    pass: connector((d) => (connectionParameters(d).api_key = { type: "securestring" })),
  },
  "connection-parameter-constraints": {
    // certified-connectors/Almabase writes the JSON boolean; Microsoft's schema types it as a string.
    fail: connector((d) => (connectionParameters(d)["token:resourceUri"].uiDefinition.constraints.required = true)),
    pass: connector((d) => (connectionParameters(d)["token:resourceUri"].uiDefinition.constraints.hidden = "false")),
  },
  "tenant-id-companion": {
    fail: connector((d) => delete connectionParameters(d)["token:TenantId"].metadata),
    // Only the exact companion name is fixed; certified-connectors/Tribal has its own visible `token:tenantId`.
    pass: connector((d) => (connectionParameters(d)["token:tenantId"] = { type: "string", uiDefinition: { constraints: { required: "true" } } })),
  },
  "oauth-identity-provider": {
    fail: connector((d) => (connectionParameters(d).token.oAuthSettings.identityProvider = "okta")),
    // certified-connectors/DocuSign writes 'DocuSign'.
    pass: connector((d) => (connectionParameters(d).token.oAuthSettings.identityProvider = "DocuSign")),
  },
  "policy-template-known": {
    fail: connector((d) => (policies(d)[0].templateId = "sethosturl")),
    // Case variants such as 'dynamicHostUrl' appear in certified connectors.
    pass: connector((d) => (policies(d)[0].templateId = "dynamicHostUrl")),
  },
  "policy-template-parameters": {
    fail: connector((d) => delete policies(d)[0].parameters["x-ms-apimTemplateParameter.urlTemplate"]),
    // independent-publisher-connectors/CO2-Signal clears a header with an empty value.
    pass: connector((d) =>
      policies(d).push({
        templateId: "setheader",
        title: "Drop the API key header",
        parameters: {
          "x-ms-apimTemplateParameter.name": "auth-token",
          "x-ms-apimTemplateParameter.value": "",
          "x-ms-apimTemplateParameter.existsAction": "override",
          "x-ms-apimTemplate-policySection": "Request",
        },
      }),
    ),
  },
  "policy-template-operations": {
    fail: connector((d) => (policies(d)[0].parameters["x-ms-apimTemplate-operationName"] = ["GetOrder", "ListOrders"])),
    pass: connector((d) => (policies(d)[0].parameters["x-ms-apimTemplate-operationName"] = ["GetOrder", "CreateOrder"])),
  },
  "policy-connection-parameter": {
    fail: connector((d) => (policies(d)[0].parameters["x-ms-apimTemplateParameter.urlTemplate"] = "@connectionParameters('hostUrl')")),
    // certified-connectors/Impexium declares hostUrl and writes HostUrl.
    pass: connector(
      (d) => (policies(d)[0].parameters["x-ms-apimTemplateParameter.urlTemplate"] = "@connectionParameters('Token:ResourceUri', 'https://contoso.example.com')"),
    ),
  },
  "policy-url-parameter": {
    // Our Download action takes its host from a header this way (connector/apiProperties.yaml).
    fail: connector((d) => (policies(d)[0].parameters["x-ms-apimTemplateParameter.urlTemplate"] = "@headers('downloadLocation')")),
    pass: connector((d) => {
      policies(d)[0].parameters["x-ms-apimTemplateParameter.urlTemplate"] = "@headers('downloadLocation')";
      policies(d)[0].parameters["x-ms-apimTemplate-operationName"] = ["GetOrder"];
      getOrder(d).parameters.push(labelled("downloadLocation", "header", { required: true }));
    }),
  },
};
