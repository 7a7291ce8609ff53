import { existsSync, readFileSync } from "node:fs";
import path from "node:path";

/** Values that differ per publisher and are never committed: they come from the environment or an untracked file. */
export interface BuildConfig {
  /** Application (client) ID of the publisher's Entra app, written into `oAuthSettings.clientId`. */
  clientId: string;
  /** Where the value came from, for the build's log line. */
  clientIdSource: "FNO_CONNECTOR_CLIENT_ID" | "connector.local.json" | "placeholder";
}

/** An all-zero GUID: uploadable for a dry run, but no user can sign in until a real app ID replaces it. */
export const placeholderClientId = "00000000-0000-0000-0000-000000000000";

const guid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * Reads the build configuration: `FNO_CONNECTOR_CLIENT_ID`, else `connector.local.json` (`{"clientId": "…"}`)
 * in the project root, else the placeholder. A value that is present but not a GUID is an error, not a fallback.
 */
export function readBuildConfig(projectRoot: string, env: NodeJS.ProcessEnv = process.env): BuildConfig {
  const fromEnv = env.FNO_CONNECTOR_CLIENT_ID?.trim();
  if (fromEnv) return { clientId: checkGuid(fromEnv, "FNO_CONNECTOR_CLIENT_ID"), clientIdSource: "FNO_CONNECTOR_CLIENT_ID" };

  const localFile = path.join(projectRoot, "connector.local.json");
  if (existsSync(localFile)) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(readFileSync(localFile, "utf8"));
    } catch (err) {
      throw new Error(`${localFile}: not valid JSON (${(err as Error).message})`);
    }
    const clientId = (parsed as { clientId?: unknown } | null)?.clientId;
    if (typeof clientId !== "string") throw new Error(`${localFile}: expected {"clientId": "<application ID>"}`);
    return { clientId: checkGuid(clientId, `${localFile} clientId`), clientIdSource: "connector.local.json" };
  }
  return { clientId: placeholderClientId, clientIdSource: "placeholder" };
}

function checkGuid(value: string, where: string): string {
  if (!guid.test(value)) throw new Error(`${where}: "${value}" is not an application (client) ID; expected a GUID`);
  return value.toLowerCase();
}
