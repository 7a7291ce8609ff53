import { parseTemplate, renderTemplate, textOf, evaluateExpression, type ExpressionScope } from "./expressions.ts";
import type { MessageBody } from "./message.ts";
import { requestScope, responseScope } from "./scope.ts";
import { PolicyError, textParameter, type PolicyTemplate, type TemplateParameters } from "./template.ts";

/**
 * "Set property": sets `<parent>.<subPath>` in the JSON body of the request or the response.
 * - `newPropertyParentPathTemplate` is a `@body()` path; missing objects on it are created, and when it
 *   names an array the property is set on each object in it.
 * - `newPropertySubPathTemplate` is a property name, or a dotted path of them.
 * - `propertyValuePathTemplate` is a value: one expression (its value, of any JSON type), a JSON literal
 *   with `{@…}` embedded (`[{@body().payments}]`, `["matter.created"]`), a '…'-quoted text, or plain text.
 * A value that evaluates to nothing leaves the property unset.
 */
export const setProperty: PolicyTemplate = {
  id: "setproperty",
  onRequest: (request, parameters, context) => ({ ...request, body: setInBody(request.body, parameters, requestScope(request, context)) }),
  onResponse: (response, parameters, context) => ({
    ...response,
    body: setInBody(response.body, parameters, responseScope(response, context)),
  }),
};

function setInBody(body: MessageBody, parameters: TemplateParameters, scope: ExpressionScope): MessageBody {
  if (body.kind !== "json" && body.kind !== "none") {
    throw new PolicyError(`setproperty needs a JSON body, but this message's body is ${body.kind}`);
  }
  const parentTemplate = textParameter(parameters, "newPropertyParentPathTemplate");
  const subPath = textParameter(parameters, "newPropertySubPathTemplate").split(".").filter((step) => step !== "");
  if (subPath.length === 0) throw new PolicyError("newPropertySubPathTemplate is empty");
  const value = propertyValue(textParameter(parameters, "propertyValuePathTemplate"), scope);
  const document: unknown = body.kind === "json" ? structuredClone(body.value) : {};
  if (value === undefined) return { kind: "json", value: document };
  for (const parent of parentObjects(document, bodyPath(parentTemplate), parentTemplate)) {
    assign(parent, subPath, value);
  }
  return { kind: "json", value: document };
}

/** The property steps of a `@body()` path. `body()` without the `@` is read the same way (one certified connector writes it so). */
function bodyPath(template: string): readonly (string | number)[] {
  const trimmed = template.trim();
  const parts = parseTemplate(/^body\(\)/i.test(trimmed) ? `@${trimmed}` : trimmed);
  const [only] = parts;
  if (parts.length !== 1 || !only || !("expression" in only) || only.expression.name.toLowerCase() !== "body") {
    throw new PolicyError(`newPropertyParentPathTemplate "${template}" must be a @body() path such as @body() or @body().items`);
  }
  return only.expression.path;
}

type JsonObject = Record<string, unknown>;

function isObject(value: unknown): value is JsonObject {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}

function parentObjects(document: unknown, path: readonly (string | number)[], template: string): JsonObject[] {
  let node = document;
  for (const step of path) {
    if (!isObject(node)) throw new PolicyError(`${template}: cannot go into "${step}" of a ${describe(node)}`);
    if (node[step] === undefined) node[step] = {};
    node = node[step];
  }
  if (isObject(node)) return [node];
  if (Array.isArray(node)) return node.filter(isObject);
  throw new PolicyError(`${template} is a ${describe(node)}, not an object`);
}

function assign(parent: JsonObject, subPath: readonly string[], value: unknown): void {
  let node = parent;
  for (const step of subPath.slice(0, -1)) {
    if (!isObject(node[step])) node[step] = {};
    node = node[step] as JsonObject;
  }
  node[subPath[subPath.length - 1] as string] = value;
}

function propertyValue(template: string, scope: ExpressionScope): unknown {
  const parts = parseTemplate(template);
  const [only] = parts;
  if (parts.length === 1 && only && "expression" in only) return evaluateExpression(only.expression, scope);
  const trimmed = template.trim();
  if (trimmed.startsWith("[") || trimmed.startsWith("{")) {
    const json = renderTemplate(parts, scope, (value) => JSON.stringify(value) ?? "null");
    try {
      return JSON.parse(json);
    } catch (err) {
      throw new PolicyError(`propertyValuePathTemplate "${template}" is not valid JSON once evaluated (${(err as Error).message}): ${json}`);
    }
  }
  if (trimmed.length >= 2 && trimmed.startsWith("'") && trimmed.endsWith("'")) {
    return renderTemplate(parseTemplate(trimmed.slice(1, -1)), scope, textOf);
  }
  return renderTemplate(parts, scope, textOf);
}

function describe(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "array";
  return typeof value;
}
