import { Ajv, type ErrorObject, type ValidateFunction } from "ajv";
import { joinPointer } from "../spec/pointer.ts";
import { maxSimulatedTime } from "./clock.ts";
import { endpointNames } from "./endpoints.ts";
import type { ExportSeedRequest } from "./options.ts";

/**
 * JSON Schemas for everything that reaches the simulator as data: scenario files, and the admin API's
 * fault and seed bodies. They mirror the TypeScript types in options.ts, faults.ts, throttle.ts and
 * import-queue.ts; ranges the types cannot say (a rate is 0..1) are stated here. Every number is bounded,
 * so no input can make the simulator hang, exhaust memory or reach a time it cannot show.
 */
const guid = { type: "string", format: "guid" };
const endpoint = { enum: [...endpointNames] };
const selector = {
  endpoint: { if: { type: "array" }, then: { items: endpoint, minItems: 1 }, else: { enum: ["*", ...endpointNames] } },
  rate: { type: "number", minimum: 0, maximum: 1 },
  after: { type: "integer", minimum: 0 },
  times: { type: "integer", minimum: 0 },
};
/** Durations in seconds (visibility timeout, Retry-After, import progress): up to a year. */
const seconds = { type: "number", minimum: 0, maximum: 365 * 24 * 3600 };
/** Injected latency in milliseconds: up to 10 minutes, longer than any client waits for an answer. */
const latencyMs = { type: "number", minimum: 0, maximum: 600_000 };

/**
 * How much one seeding (an admin request, or a scenario's activities) may queue: messages, and bytes of
 * generated or given content, which are generated and hashed before the answer. 10,000 messages is five
 * times the drain benchmark; 8 GiB is what the extract limits allow one package to unpack to.
 */
export const seedLimits = { messages: 10_000, bytes: 8 * 1024 ** 3 } as const;

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
      then: { required: ["ms"], additionalProperties: false, properties: { ...selector, kind: {}, ms: latencyMs } },
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
        // A slower rate would announce Retry-After times of years.
        ratePerSecond: { type: "number", minimum: 0.001, maximum: 1_000_000 },
        burst: { type: "number", minimum: 1, maximum: 1_000_000 },
        endpoints: { type: "array", items: endpoint, minItems: 1 },
      },
    },
    // Entra issues tokens for at most a day.
    tokenLifetimeSeconds: { type: "integer", minimum: 1, maximum: 86_400 },
  },
};

const count = { type: "integer", minimum: 1, maximum: seedLimits.messages };
/** An entity name: it becomes a file name inside a package zip, so no path separators. */
const entityName = { type: "string", minLength: 1, pattern: "^[^/\\\\]+$" };
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
          dataBytes: { type: "integer", minimum: 0, maximum: seedLimits.bytes },
          entity: entityName,
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

const csvLines = { type: "array", items: { type: "string" }, maxItems: 100_000 };

/** Error files per entity of an execution (EntityErrorFiles), for package and recurring imports alike. */
const entityErrors = {
  type: "array",
  items: {
    type: "object",
    required: ["entity"],
    additionalProperties: false,
    properties: { entity: { type: "string", minLength: 1 }, errorKeys: csvLines, stagingErrors: csvLines },
  },
};

/**
 * A list of outcome rules: the first whose match fields all agree decides the status, and what GetExecutionErrors
 * and the error files report. Package executions and recurring imports match on different fields and end in
 * different statuses; everything else about a rule is the same.
 */
function outcomeRules(match: Record<string, unknown>, statuses: readonly string[]) {
  return {
    type: "array",
    items: {
      type: "object",
      required: ["status"],
      additionalProperties: false,
      properties: { ...match, status: { enum: statuses }, errors: { type: "array", items: executionError }, entityErrors },
    },
  };
}

const packageApi = {
  type: "object",
  additionalProperties: false,
  properties: {
    definitionGroups: {
      type: "array",
      items: {
        type: "object",
        required: ["id", "direction"],
        additionalProperties: false,
        properties: {
          id: { type: "string", minLength: 1 },
          direction: { enum: ["export", "import"] },
          entities: { type: "array", items: entityName, minItems: 1, maxItems: 100 },
          // Export packages are built in memory: at most 64 MiB per entity.
          dataBytes: { type: "integer", minimum: 0, maximum: 64 * 1024 * 1024 },
        },
      },
    },
    notRunSeconds: seconds,
    executingSeconds: seconds,
    errorKeysFileSeconds: seconds,
    writeUrlLifetimeSeconds: seconds,
    readUrlLifetimeSeconds: seconds,
    retentionDays: { type: "number", minimum: 0, maximum: 365 },
    importCallMs: latencyMs,
    nestedValues: { type: "boolean" },
    // Uploads are held in memory.
    maxBlobBytes: { type: "integer", minimum: 0, maximum: 1024 * 1024 * 1024 },
    maxBlockBytes: { type: "integer", minimum: 0, maximum: 1024 * 1024 * 1024 },
    outcomes: outcomeRules(
      { direction: { enum: ["export", "import"] }, definitionGroupId: { type: "string" }, legalEntityId: { type: "string" }, entity: { type: "string" } },
      ["Succeeded", "PartiallySucceeded", "Failed", "Canceled", "Unknown"],
    ),
  },
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
    maxEnqueueBytes: { type: "integer", minimum: 0, maximum: seedLimits.bytes },
    rangeRequests: { type: "boolean" },
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
        outcomes: outcomeRules(
          { activityId: guid, entity: { type: "string" }, company: { type: "string" } },
          ["Processed", "ProcessedWithErrors", "PreProcessingError", "PostProcessingError", "PostProcessingFailed"],
        ),
      },
    },
    packageApi,
    blobPort: { type: "integer", minimum: 0, maximum: 65535 },
    faults,
    clock: {
      type: "object",
      additionalProperties: false,
      properties: { frozen: { type: "boolean" }, start: { type: "integer", minimum: 0, maximum: maxSimulatedTime } },
    },
  },
};

// allErrors off: the first problem, clearly located, is more useful than a cascade from one typo.
const ajv = new Ajv({ allErrors: false, strict: true, strictTypes: false });
// Activity IDs as F&O shows them: a GUID, with or without braces, any case.
ajv.addFormat("guid", /^\{?[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\}?$/i);

const clockAdvance = {
  type: "object",
  required: ["ms"],
  additionalProperties: false,
  properties: { ms: { type: "number", minimum: 0, maximum: maxSimulatedTime } },
};

const validateOptions = ajv.compile(options);
export const validateClockAdvance = ajv.compile(clockAdvance);
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

/**
 * The first seed request (each already valid against its schema) that takes a seeding past `seedLimits`,
 * pointed at its `count`; `items` carry the pointer of each request.
 */
export function findSeedVolumeProblem(items: { pointer: string; request: ExportSeedRequest }[]): SchemaProblem | undefined {
  let messages = 0;
  let bytes = 0;
  for (const { pointer, request } of items) {
    const count = request.count ?? 1;
    messages += count;
    // Base64 carries three bytes in four characters.
    bytes += count * (request.kind === "package" ? request.dataBytes : request.kind === "bytes" ? Math.floor((request.base64.length * 3) / 4) : 0);
    if (messages > seedLimits.messages) {
      return { pointer: joinPointer(pointer, "count"), message: `takes the seeding to more than ${seedLimits.messages} messages` };
    }
    if (bytes > seedLimits.bytes) {
      return { pointer: joinPointer(pointer, "count"), message: `takes the seeding to more than ${seedLimits.bytes} bytes of content` };
    }
  }
  return undefined;
}

/** The first problem in simulator options (a scenario file, or `startSimulator`'s data): schema, then seed volume. */
export function findOptionsProblem(value: unknown): SchemaProblem | undefined {
  const problem = findProblem(validateOptions, value);
  if (problem) return problem;
  const activities = (value as { activities?: { messages?: ExportSeedRequest[] }[] }).activities ?? [];
  return findSeedVolumeProblem(
    activities.flatMap((activity, i) =>
      (activity.messages ?? []).map((request, j) => ({ pointer: joinPointer("/activities", i, "messages", j), request })),
    ),
  );
}
