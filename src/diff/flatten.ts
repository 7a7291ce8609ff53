/**
 * What a flow binds to, flattened: an operation's inputs by parameter name (body properties as `body/a/b`) and
 * its outputs by property path, each with the facts a change to which can break a flow.
 */
import { joinPointer } from "../spec/pointer.ts";
import { entriesOf, isObject, itemsOf, parametersOf, resolveLocal, responsesOf, type JsonObject, type OperationEntry } from "../connector/index.ts";

export interface Field {
  /** Where the field is written (the schema or parameter object). */
  pointer: string;
  value: JsonObject;
  /** For inputs: the parameter location; body properties are "body". */
  location?: string;
  required: boolean;
}

/** Deep enough for any real connector; guards against self-referencing schemas. */
const maxDepth = 12;

function follow(definition: unknown, value: unknown, pointer: string): { pointer: string; value: unknown } {
  for (let hops = 0; isObject(value) && typeof value.$ref === "string" && hops < maxDepth; hops++) {
    const target = resolveLocal(definition, value.$ref);
    if (!target) break;
    ({ pointer, value } = target);
  }
  return { pointer, value };
}

/** Every property of a schema by path (`a/b`, array items as `a/[]`), allOf merged, `$ref`s followed. */
function schemaFields(definition: unknown, schema: unknown, pointer: string, prefix: string, into: Map<string, Field>, depth = 0): void {
  const resolved = follow(definition, schema, pointer);
  if (!isObject(resolved.value) || depth > maxDepth) return;
  const node = resolved.value;
  const required = new Set(itemsOf(node.required).filter((r): r is string => typeof r === "string"));
  for (const [name, child] of entriesOf(node.properties)) {
    const path = prefix === "" ? name : `${prefix}/${name}`;
    const at = follow(definition, child, joinPointer(resolved.pointer, "properties", name));
    if (!isObject(at.value)) continue;
    into.set(path, { pointer: at.pointer, value: at.value, location: "body", required: required.has(name) });
    schemaFields(definition, at.value, at.pointer, path, into, depth + 1);
  }
  if (node.items !== undefined) schemaFields(definition, node.items, joinPointer(resolved.pointer, "items"), prefix === "" ? "[]" : `${prefix}/[]`, into, depth + 1);
  itemsOf(node.allOf).forEach((part, i) => schemaFields(definition, part, joinPointer(resolved.pointer, "allOf", i), prefix, into, depth + 1));
}

export function inputsOf(definition: unknown, entry: OperationEntry): Map<string, Field> {
  const inputs = new Map<string, Field>();
  for (const { pointer, parameter } of parametersOf(definition, entry)) {
    const name = String(parameter.name);
    if (parameter.in === "body") {
      const schema = follow(definition, parameter.schema, joinPointer(pointer, "schema"));
      inputs.set(name, { pointer, value: isObject(schema.value) ? { ...schema.value, ...parameter } : parameter, location: "body", required: parameter.required === true });
      schemaFields(definition, parameter.schema, joinPointer(pointer, "schema"), name, inputs);
    } else {
      inputs.set(name, { pointer, value: parameter, location: String(parameter.in), required: parameter.required === true });
    }
  }
  return inputs;
}

/**
 * A webhook trigger's payload, `x-ms-notification-content` ({description?, schema}): on the path item of an operation
 * marked `x-ms-trigger`, the one place Microsoft's apiDefinition schema and connector-format.md §2 allow it (every
 * corpus connector writes it there; src/validate's x-ms-extension-placement flags it elsewhere).
 */
export function notificationContentOf(entry: OperationEntry): { pointer: string; content: JsonObject } | undefined {
  const content = entry.pathItem["x-ms-notification-content"];
  if (typeof entry.operation["x-ms-trigger"] !== "string" || !isObject(content)) return undefined;
  return { pointer: joinPointer(entry.pathItemPointer, "x-ms-notification-content"), content };
}

/**
 * The outputs a flow reads, by property path: a webhook trigger's payload schema where it has one, else the success
 * response the designer uses (the first 2xx with a schema). A webhook trigger's output schema is on its 200/201
 * response or in x-ms-notification-content (connector-format.md §2, validator rule SchemaDefinitionSetIncorrectly);
 * the payload, not the subscribe call's answer, is what the trigger hands the flow.
 */
export function outputsOf(definition: unknown, entry: OperationEntry): Map<string, Field> {
  const outputs = new Map<string, Field>();
  const notification = notificationContentOf(entry);
  const success = responsesOf(definition, entry).find((r) => /^2\d\d$/.test(r.status) && r.response.schema !== undefined);
  if (notification?.content.schema !== undefined) schemaFields(definition, notification.content.schema, joinPointer(notification.pointer, "schema"), "", outputs);
  else if (success) schemaFields(definition, success.response.schema, joinPointer(success.pointer, "schema"), "", outputs);
  return outputs;
}
