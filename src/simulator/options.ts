import type { ClientCredentials } from "./auth.ts";
import type { ClockOptions, SimulatedClock } from "./clock.ts";
import type { FaultRule } from "./faults.ts";
import type { ImportOptions } from "./import-queue.ts";
import type { PackageApiOptions } from "./package-api.ts";
import type { ThrottleOptions } from "./throttle.ts";

/** How a simulator run is set up; a scenario file holds the same fields (minus a clock instance). */
export interface SimulatorOptions {
  /** TCP port on 127.0.0.1; 0 (default) picks a free one. */
  port?: number;
  /** Seeds every random draw: IDs, pop receipts, tokens, package contents, fault dice. Default 1. */
  seed?: number;
  tenantId?: string;
  /** The one app registration the token endpoint knows. */
  client?: ClientCredentials;
  /** Seconds a dequeued message stays hidden before it comes back un-acked. Default 1800, F&O's 30 minutes. */
  visibilityTimeoutSeconds?: number;
  /** Largest enqueue body accepted; larger ones get 413. Default 32 MiB (413s are reported at ~36 MB and 50 MB). */
  maxEnqueueBytes?: number;
  /**
   * Whether downloads honour `Range` (206 with Content-Range, a strong ETag, `If-Range`). Default false: the
   * whole package with 200 whatever was asked, since F&O's support for Range is unknown (docs/platform-assumptions.md).
   */
  rangeRequests?: boolean;
  /** Recurring data jobs. Default: one export and one import job with the IDs in `defaultIds`. */
  activities?: ActivityOptions[];
  import?: ImportOptions;
  /** The data management package API: data projects, execution timing and outcomes, SAS lifetimes. */
  packageApi?: PackageApiOptions;
  /** TCP port of the blob store's own origin on 127.0.0.1; 0 (default) picks a free one. */
  blobPort?: number;
  faults?: FaultOptions;
  /** A clock to share with the test (to advance it), or options for a new one. Default: real time. */
  clock?: SimulatedClock | ClockOptions;
}

export interface ActivityOptions {
  /** The job's ID, with or without braces, any case. */
  id: string;
  direction: "export" | "import";
  /** Export messages queued at start (export jobs only). */
  messages?: ExportSeedRequest[];
}

/** Everything `setFaults` replaces at once. */
export interface FaultOptions {
  rules?: FaultRule[];
  throttle?: ThrottleOptions;
  /** Lifetime of new tokens in seconds (`expires_in`); short values force refreshes mid-run. Default 3599. */
  tokenLifetimeSeconds?: number;
}

/** What an export message serves when downloaded. */
export type ExportSeed =
  /** A generated data package; `dataBytes` is the size of its CSV entry. */
  | { kind: "package"; dataBytes: number; entity?: string; contentSeed?: number }
  /** Exactly these bytes (a corrupt zip, a plain file, a recorded package). */
  | { kind: "bytes"; bytes: Uint8Array }
  /** A message whose file is gone: dequeue says `IsDownLoadFileExist: false`. */
  | { kind: "missing-file"; message?: string };

/** An export seed as JSON carries it (scenario files, the admin API): bytes in base64, and a count. */
export type ExportSeedRequest = (
  | Exclude<ExportSeed, { kind: "bytes" }>
  | { kind: "bytes"; base64: string }
) & {
  /** Queue this many messages like it (packages get different content seeds). Default 1. */
  count?: number;
};

/** IDs used when the options name none; fixed, so scripts and docs can rely on them. */
export const defaultIds = {
  tenantId: "11111111-1111-4111-8111-111111111111",
  clientId: "22222222-2222-4222-8222-222222222222",
  clientSecret: "simulator-client-secret",
  // The prefix is the activity ID of the example in Microsoft's recurring integrations article.
  exportActivityId: "6d31e09f-0000-4000-8000-000000000001",
  importActivityId: "6d31e09f-0000-4000-8000-000000000002",
  // Data project names, which is what the package API's definitionGroupId carries.
  exportDefinitionGroupId: "Simulator export",
  importDefinitionGroupId: "Simulator import",
} as const;

export const DEFAULT_ENTITY = "Customers V3";

/** `{6D31E09F-…}`, `%7B6D31E09F-…%7D` and `6d31e09f-…` all name the same job. */
export function canonicalActivityId(raw: string): string {
  let id = raw;
  try {
    id = decodeURIComponent(raw);
  } catch {
    // Not percent-encoded after all; compare it as it is.
  }
  return id.trim().replace(/^\{(.*)\}$/, "$1").toLowerCase();
}

export function toExportSeed(request: ExportSeedRequest): ExportSeed {
  if (request.kind !== "bytes") {
    const { count: _count, ...seed } = request;
    return seed;
  }
  return { kind: "bytes", bytes: Buffer.from(request.base64, "base64") };
}
