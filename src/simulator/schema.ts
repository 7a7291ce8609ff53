import { Ajv, type ErrorObject, type ValidateFunction } from "ajv";
import { joinPointer } from "../spec/pointer.ts";
import { endpointNames } from "./endpoints.ts";

/**
 * JSON Schemas for everything that reaches the simulator as data: scenario files, and the admin API's
 * fault and seed bodies. They mirror the TypeScript types in options.ts, faults.ts, throttle.ts and
 * import-queue.ts; ranges the types cannot say (a rate is 0..1) are stated here.
 */
const guid = { type: "string", format: "guid" };
const endpoint = { enum: [...endpointNames] };
const selector = {
  endpoint: { if: { type: "array" }, then: { items: endpoint, minItems: 1 }, else: { enum: ["*", ...endpointNames] } },
  rate: { type: "number", minimum: 0, maximum: 1 },
  after: { type: "integer", minimum: 0 },
  times: { type: "integer", minimum: 0 },
};
const seconds = { type: "number", minimum: 0 };

const faultRule = {
  type: "object",
  required: ["kind", "endpoint"],
  properties: { kind: { enum: ["status", "reset", "truncate", "latency"] } },
  allOf: [
    {
      if: { properties: { kind: { const: "status" } } },
      then: {
        required: ["status"],
        additionalProperties: false,
        properties: {
          ...selector,
          kind: {},
          status: { type: "integer", minimum: 100, maximum: 599 },
          retryAfter: seconds,
          retryAfterFormat: { enum: ["seconds", "http-date"] },
          message: { type: "string" },
        },
      },
    },
    {
      if: { properties: { kind: { enum: ["reset", "truncate"] } } },
      then: {
        required: ["afterBytes"],
        additionalProperties: false,
        properties: { ...selector, kind: {}, afterBytes: { type: "integer", minimum: 0 } },
      },
    },
    {
      if: { properties: { kind: { const: "latency" } } },
      then: { required: ["ms"], additionalProperties: false, properties: { ...selector, kind: {}, ms: seconds } },
    },
  ],
};

const faults = {
  type: "object",
  additionalProperties: false,
  properties: {
    rules: { type: "array", items: faultRule },
    throttle: {
      type: "object",
      required: ["ratePerSecond", "burst"],
      additionalProperties: false,
      properties: {
        ratePerSecond: { type: "number", exclusiveMinimum: 0 },
        burst: { type: "number", minimum: 1 },
        endpoints: { type: "array", items: endpoint, minItems: 1 },
      },
    },
    tokenLifetimeSeconds: { type: "integer", minimum: 1 },
  },
};

const count = { type: "integer", minimum: 1 };
const exportSeed = {
  type: "object",
  required: ["kind"],
  properties: { kind: { enum: ["package", "bytes", "missing-file"] } },
  allOf: [
    {
      if: { properties: { kind: { const: "package" } } },
      then: {
        required: ["dataBytes"],
        additionalProperties: false,
        properties: {
          kind: {},
          dataBytes: { type: "integer", minimum: 0, maximum: Number.MAX_SAFE_INTEGER },
          // Becomes a file name inside the zip: no path separators.
          entity: { type: "string", minLength: 1, pattern: "^[^/\\\\]+$" },
          contentSeed: { type: "integer", minimum: 0, maximum: 0xffffffff },
          count,
        },
      },
    },
    {
      if: { properties: { kind: { const: "bytes" } } },
      then: {
        required: ["base64"],
        additionalProperties: false,
        properties: { kind: {}, base64: { type: "string", pattern: "^[A-Za-z0-9+/]*={0,2}$" }, count },
      },
    },
    {
      if: { properties: { kind: { const: "missing-file" } } },
      then: { additionalProperties: false, properties: { kind: {}, message: { type: "string" }, count } },
    },
  ],
};

const executionError = {
  type: "object",
  required: ["RecordId", "Field", "ErrorMessage"],
  additionalProperties: false,
  properties: { RecordId: { type: "string" }, Field: { type: "string" }, ErrorMessage: { type: "string" } },
};

const options = {
  type: "object",
  additionalProperties: false,
  properties: {
    port: { type: "integer", minimum: 0, maximum: 65535 },
    seed: { type: "integer", minimum: 0, maximum: 0xffffffff },
    tenantId: { type: "string", minLength: 1 },
    client: {
      type: "object",
      required: ["clientId", "clientSecret"],
      additionalProperties: false,
      properties: { clientId: { type: "string", minLength: 1 }, clientSecret: { type: "string", minLength: 1 } },
    },
    visibilityTimeoutSeconds: seconds,
    maxEnqueueBytes: { type: "integer", minimum: 0 },
    activities: {
      type: "array",
      items: {
        type: "object",
        required: ["id", "direction"],
        additionalProperties: false,
        properties: {
          id: guid,
          direction: { enum: ["export", "import"] },
          messages: { type: "array", items: exportSeed },
        },
      },
    },
    import: {
      type: "object",
      additionalProperties: false,
      properties: {
        pickupAfterSeconds: seconds,
        processingSeconds: seconds,
        outcomes: {
          type: "array",
          items: {
            type: "object",
            required: ["status"],
            additionalProperties: false,
            properties: {
              activityId: guid,
              entity: { type: "string" },
              company: { type: "string" },
              status: { enum: ["Processed", "ProcessedWithErrors", "PreProcessingError", "PostProcessingError", "PostProcessingFailed"] },
              errors: { type: "array", items: executionError },
            },
          },
        },
      },
    },
    faults,
    clock: {
      type: "object",
      additionalProperties: false,
      properties: { frozen: { type: "boolean" }, start: { type: "integer", minimum: 0 } },
    },
  },
};

// allErrors off: the first problem, clearly located, is more useful than a cascade from one typo.
const ajv = new Ajv({ allErrors: false, strict: true, strictTypes: false });
// Activity IDs as F&O shows them: a GUID, with or without braces, any case.
ajv.addFormat("guid", /^\{?[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\}?$/i);

export const validateOptions = ajv.compile(options);
export const validateFaults = ajv.compile(faults);
export const validateExportSeed = ajv.compile(exportSeed);

export interface SchemaProblem {
  /** JSON pointer to the offending value. */
  pointer: string;
  message: string;
}

/** The first problem `validate` finds in `value`, or undefined when it is valid. */
export function findProblem(validate: ValidateFunction, value: unknown): SchemaProblem | undefined {
  return validate(value) ? undefined : firstError(validate);
}

/**
 * The first schema error as a JSON pointer and a text; `if` wrappers are skipped for the error inside,
 * and an unknown property is pointed at itself rather than at its parent.
 */
function firstError(validate: ValidateFunction): SchemaProblem {
  const errors: ErrorObject[] = validate.errors ?? [];
  const error = errors.find((candidate) => candidate.keyword !== "if") ?? errors[0];
  if (!error) return { pointer: "", message: "is not valid" };
  if (error.keyword === "additionalProperties") {
    return { pointer: joinPointer(error.instancePath, String(error.params.additionalProperty)), message: "is not a known property" };
  }
  if (error.keyword === "enum") {
    const allowed = (error.params.allowedValues as unknown[]).map((value) => JSON.stringify(value)).join(", ");
    return { pointer: error.instancePath, message: `must be one of ${allowed}` };
  }
  return { pointer: error.instancePath, message: error.message ?? "is not valid" };
}
