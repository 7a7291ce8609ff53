/**
 * Response schemas as ajv validators. Swagger 2.0 schemas are JSON Schema draft 4 with extensions, so
 * ajv-draft-04 reads them once two Swagger-only notions are translated: `x-nullable: true` (the value may
 * be null) and `type: file` (raw bytes, never validated as JSON).
 */
import ajvDraft04, { type ValidateFunction } from "ajv-draft-04";
import ajvFormats from "ajv-formats";

// Both are CommonJS; under NodeNext their ES default import is `module.exports`, whose `default` is the export itself.
const Ajv04 = ajvDraft04.default;
const addFormats = ajvFormats.default;

/** `type: string, format: binary` or Swagger's `type: file`: the body is bytes, not JSON. */
export function isBinarySchema(schema: unknown): boolean {
  if (schema === null || typeof schema !== "object") return false;
  const { type, format } = schema as { type?: unknown; format?: unknown };
  return type === "file" || (type === "string" && format === "binary");
}

/**
 * Compiles a response schema; `#/definitions/…` refs resolve against the definition's `definitions`.
 * Throws ajv's error when the schema itself is invalid.
 */
export function compileSchema(definition: Record<string, unknown>, schema: unknown): ValidateFunction {
  const ajv = new Ajv04({ allErrors: true, strict: false });
  addFormats(ajv);
  // The schema sits under allOf so that a root `$ref` (which hides its siblings in draft 4) still sees `definitions`.
  return ajv.compile(toJsonSchema({ allOf: [schema], definitions: definition["definitions"] ?? {} }));
}

/** The first few ajv errors as `<pointer> <message>`, the pointer being where in the body it failed. */
export function describeErrors(validate: ValidateFunction): string {
  return (validate.errors ?? [])
    .slice(0, 5)
    .map((error) => `${error.instancePath || "/"} ${error.message ?? "is invalid"}`)
    .join("; ");
}

const schemaMaps = ["properties", "patternProperties", "definitions"];
const schemaValues = ["items", "additionalProperties", "not", "allOf", "anyOf", "oneOf"];

/** Translates one schema; only keywords that hold schemas are descended into, so `enum` and `default` values stay as written. */
function toJsonSchema(schema: unknown): object {
  if (Array.isArray(schema)) return schema.map(toJsonSchema);
  if (schema === null || typeof schema !== "object") return {};
  const out: Record<string, unknown> = { ...schema };
  for (const key of schemaMaps) {
    const map = out[key];
    if (map !== null && typeof map === "object" && !Array.isArray(map)) {
      out[key] = Object.fromEntries(Object.entries(map).map(([name, value]) => [name, toJsonSchema(value)]));
    }
  }
  for (const key of schemaValues) {
    if (out[key] !== null && typeof out[key] === "object") out[key] = toJsonSchema(out[key]);
  }
  if (out["type"] === "file") delete out["type"];
  if (out["x-nullable"] === true) {
    if (typeof out["type"] === "string") out["type"] = [out["type"], "null"];
    if (Array.isArray(out["enum"]) && !out["enum"].includes(null)) out["enum"] = [...out["enum"], null];
  }
  return out;
}
