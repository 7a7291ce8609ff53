/**
 * Plausible inputs for any operation of any connector, for the corpus test: a value for every parameter
 * (optional ones too, since policies read them) made from its declared type, enum or default, and a
 * dummy value for every connection parameter the connector declares. Text values are URLs, because
 * connectors take host URLs from connection, header and query values (dynamichosturl); they only need
 * to be well-formed, not meaningful.
 */
import type { ConnectorPackage, Operation, OperationParameter } from "../../../src/gateway/index.ts";
import { getAt } from "../../../src/spec/pointer.ts";

export function synthesiseParameters(pkg: ConnectorPackage, operation: Operation): Record<string, unknown> {
  const values: Record<string, unknown> = {};
  for (const parameter of operation.parameters) {
    values[parameter.name] = parameter.in === "body" ? valueForSchema(pkg.definition, parameter.schema, 0) : valueForParameter(parameter);
  }
  return values;
}

/** Every connection parameter name the connector declares, directly or in a parameter set, set to a dummy value. */
export function synthesiseConnection(pkg: ConnectorPackage): Record<string, string> {
  const inner = (pkg.properties["properties"] ?? {}) as Record<string, unknown>;
  const names = new Set(Object.keys((inner["connectionParameters"] ?? {}) as object));
  const sets = (inner["connectionParameterSets"] as { values?: { parameters?: object }[] } | undefined)?.values ?? [];
  for (const set of sets) for (const name of Object.keys(set.parameters ?? {})) names.add(name);
  // URL-shaped so that templates made of one connection parameter (dynamichosturl) evaluate to a URL.
  return Object.fromEntries([...names].map((name) => [name, `https://${name.replace(/[^A-Za-z0-9]/g, "") || "x"}.example.com`]));
}

function valueForParameter(parameter: OperationParameter): unknown {
  if (parameter.default !== undefined && parameter.default !== "") return parameter.default;
  if (parameter.type === "file") return new Uint8Array([1, 2, 3]);
  if (parameter.type === "array") return [scalarFor(parameter.items?.["type"], parameter.items?.["format"], parameter.items?.["enum"])];
  return scalarFor(parameter.type, parameter.format, undefined);
}

function scalarFor(type: unknown, format: unknown, enumeration: unknown): unknown {
  if (Array.isArray(enumeration) && enumeration.length > 0) return enumeration[0];
  switch (type) {
    case "integer":
    case "number":
      return 1;
    case "boolean":
      return true;
    default:
      return format === "date-time" ? "2024-01-01T00:00:00Z" : "https://value.example.com";
  }
}

function valueForSchema(definition: Record<string, unknown>, node: unknown, depth: number): unknown {
  const schema = resolve(definition, node);
  if (depth > 8 || schema === undefined) return {};
  if (schema["type"] === "string" && schema["format"] === "binary") return new Uint8Array([1, 2, 3]);
  if (schema["type"] === "file") return new Uint8Array([1, 2, 3]);
  if (schema["default"] !== undefined && schema["default"] !== "") return schema["default"];
  if (schema["type"] === "array") return [valueForSchema(definition, schema["items"], depth + 1)];
  const properties = schema["properties"];
  if (schema["type"] === "object" || (properties !== null && typeof properties === "object")) {
    const required = Array.isArray(schema["required"]) ? (schema["required"] as string[]) : [];
    return Object.fromEntries(
      required.map((name) => [name, valueForSchema(definition, (properties as Record<string, unknown> | undefined)?.[name], depth + 1)]),
    );
  }
  return scalarFor(schema["type"], schema["format"], schema["enum"]);
}

function resolve(definition: Record<string, unknown>, node: unknown): Record<string, unknown> | undefined {
  let current = node;
  for (let hops = 0; hops < 16 && current !== null && typeof current === "object" && "$ref" in current; hops += 1) {
    const ref = (current as { $ref: unknown }).$ref;
    current = typeof ref === "string" && ref.startsWith("#/") ? getAt(definition, ref.slice(1)) : undefined;
  }
  return current !== null && typeof current === "object" ? (current as Record<string, unknown>) : undefined;
}
