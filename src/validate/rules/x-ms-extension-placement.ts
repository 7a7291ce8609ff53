import { sources } from "../evidence.ts";
import { joinPointer } from "../../spec/pointer.ts";
import { nodesOf, type DefinitionNode } from "../../connector/index.ts";
import type { Rule } from "../rule.ts";

/** Where a node may carry extensions: its kind, and for a parameter also its location (`parameter:path`). */
type Place = Exclude<DefinitionNode["kind"], "parameter"> | `parameter:${"body" | "query" | "path" | "header" | "formData"}`;

const allParameters: Place[] = ["parameter:body", "parameter:query", "parameter:path", "parameter:header", "parameter:formData"];
const nonBodyParameters: Place[] = ["parameter:query", "parameter:path", "parameter:header", "parameter:formData"];

/**
 * Where each Power Platform extension is read. From Microsoft's apiDefinition.swagger.schema.json and the
 * openapi-extensions doc (docs/rules.md, "x-ms-extension-placement"), plus the newer keys certified connectors use
 * (x-ms-openai-*, x-ms-keywords, x-ms-editor). Two deliberate narrowings, both from Microsoft's validator
 * rules: dynamic values go inside a body's schema, not on the body parameter
 * (DynamicExtensionDefinitionNotAllowedInParameter), and only path parameters take x-ms-url-encoding
 * (QueryParameterEncodingNotSupported).
 */
const allowedPlaces: Record<string, readonly Place[]> = {
  "x-ms-capabilities": ["root", "operation"],
  "x-ms-connector-metadata": ["root"],
  "x-ms-docs": ["root"],
  "x-ms-openai-manifest": ["root"],
  "x-ms-openai-data": ["root", "operation"],
  "x-ms-api-annotation": ["info", "operation"],
  "x-ms-deployment-version": ["info"],
  "x-ms-keywords": ["info"],
  "x-ms-openai-published-to-copilots": ["info"],
  "x-ms-notification-content": ["pathItem"],
  "x-ms-no-generic-test": ["operation"],
  "x-ms-notification": ["operation"],
  "x-ms-operation-context": ["operation"],
  "x-ms-pageable": ["operation"],
  "x-ms-safe-operation": ["operation"],
  "x-ms-trigger": ["operation"],
  "x-ms-trigger-hint": ["operation"],
  "x-ms-trigger-metadata": ["operation"],
  "x-ms-require-user-confirmation": ["operation"],
  "x-ms-summary": ["operation", ...allParameters, "schema", "response", "header"],
  "x-ms-visibility": ["operation", ...allParameters, "schema", "header"],
  "x-ms-test-value": [...allParameters, "schema"],
  "x-ms-dynamic-values": [...nonBodyParameters, "schema"],
  "x-ms-dynamic-list": [...nonBodyParameters, "schema"],
  "x-ms-dynamic-tree": ["parameter:query", "parameter:path", "schema"],
  "x-ms-dynamic-schema": ["schema"],
  "x-ms-dynamic-properties": ["schema"],
  "x-ms-enum-values": [...nonBodyParameters, "schema"],
  "x-ms-localizeDefaultValue": [...nonBodyParameters, "schema"],
  "x-ms-trigger-value": nonBodyParameters,
  "x-ms-url-encoding": ["parameter:path"],
  "x-ms-notification-url": ["schema"],
  "x-ms-media-kind": ["schema"],
  "x-ms-editor": ["schema"],
  "x-ms-editor-options": ["schema"],
};

function placeOf(node: DefinitionNode): Place {
  return node.kind === "parameter" ? (`parameter:${String(node.value.in)}` as Place) : node.kind;
}

const placeNames: Record<Exclude<DefinitionNode["kind"], "parameter">, string> = {
  root: "the document root",
  info: "info",
  pathItem: "a path item",
  operation: "an operation",
  parameterItems: "the items of a parameter",
  schema: "a schema",
  response: "a response",
  header: "a response header",
  securityScheme: "a security definition",
};

function describePlace(place: Place): string {
  return place.startsWith("parameter:") ? `a ${place.slice("parameter:".length)} parameter` : placeNames[place as keyof typeof placeNames];
}

export const xMsExtensionPlacement: Rule = {
  id: "x-ms-extension-placement",
  severity: "warning",
  doc: "x-ms-* keys are Power Platform's; each is read only in certain places, and unknown ones are ignored.",
  why: "An extension the platform does not read where it is written has no effect, which is rarely what was meant.",
  evidence: [{ says: "The openapi-extensions page says where each extension is read; QueryParameterEncodingNotSupported and DynamicExtensionDefinitionNotAllowedInParameter narrow two of them.", url: sources.extensions }],
  example: { fail: "- {name: q, in: query, type: string, x-ms-url-encoding: single}", pass: "- {name: id, in: path, required: true, type: string, x-ms-url-encoding: single}" },
  *check({ definition }) {
    for (const node of nodesOf(definition)) {
      const place = placeOf(node);
      for (const key of Object.keys(node.value)) {
        if (!key.startsWith("x-ms-")) continue;
        const allowed = allowedPlaces[key];
        const pointer = joinPointer(node.pointer, key);
        if (!allowed) {
          yield { message: `'${key}' is not a Power Platform extension; it is ignored`, pointer, document: "apiDefinition" };
        } else if (!allowed.includes(place)) {
          yield {
            message: `'${key}' has no effect on ${describePlace(place)}; it belongs on ${allowed.map(describePlace).join(", ")}`,
            pointer,
            document: "apiDefinition",
          };
        }
      }
    }
  },
};
