import { FnoError } from "../../client/index.ts";
import { errorCodes, ToolError } from "../../errors/index.ts";

/** The kinds keep nothing between runs in the job's state file: see the README, "Unattended jobs: upload guarantees". */
export type NoState = Record<string, never>;

export const noState = (): NoState => ({});

/** An activity ID as F&O shows it, braces optional. */
export const activityIdSchema = {
  type: "string",
  pattern: "^\\{?[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}\\}?$",
} as const;

export const folderSchema = { type: "string", minLength: 1 } as const;

/** The settings schema of a package API kind: its folder, its data project and optional legal entity, and its own keys. */
export function dataProjectJobSchema(own: Record<string, unknown>): Record<string, unknown> {
  return {
    type: "object",
    required: ["folder", "definitionGroupId"],
    additionalProperties: false,
    properties: { folder: folderSchema, definitionGroupId: { type: "string", minLength: 1 }, legalEntityId: { type: "string", minLength: 1 }, ...own },
  };
}

/**
 * A failure on the environment's side, or work it has not finished: an HTTP error the transport gave up on, an
 * unreachable host, a token that could not be had, a poll that gave up. The work is left for the next run. Anything
 * else (a local file system error, a bug) is not this kind of failure.
 */
export function isRemoteFailure(err: unknown): err is ToolError {
  return err instanceof FnoError || (err instanceof ToolError && (err.code === errorCodes.remote || err.code === errorCodes.incomplete));
}

export function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
