import { existsSync, readFileSync } from "node:fs";
import path from "node:path";

/** Where a configured value came from, for the build's log line. */
export type ConfigSource = "environment" | "connector.local.json" | "placeholder";

/**
 * Values that differ per publisher or tenant and are never committed: they come from the environment or
 * an untracked `connector.local.json`. Build-time configuration rather than solution environment variables:
 * docs/platform-assumptions.md ("Sign-in") gives the evidence for that choice.
 */
export interface BuildConfig {
  /** Application (client) ID of the publisher's Entra app, written into `oAuthSettings.clientId`. */
  clientId: string;
  /**
   * The default token resource: the environment URL most connections use. Each connection's own
   * `token:resourceUri` (its Environment URL) still decides the audience and the host.
   */
  resourceUri: string;
  sources: { clientId: ConfigSource; resourceUri: ConfigSource };
}

/** An all-zero GUID: uploadable for a dry run, but no user can sign in until a real app ID replaces it. */
export const placeholderClientId = "00000000-0000-0000-0000-000000000000";
/** A resource no environment has; like the client ID, it lets `npm start` run and is refused by `deploy`. */
export const placeholderResourceUri = "https://your-environment.operations.dynamics.com";

/** The configuration of a build without any settings (demo, tests, type generation). */
export const placeholderConfig: BuildConfig = {
  clientId: placeholderClientId,
  resourceUri: placeholderResourceUri,
  sources: { clientId: "placeholder", resourceUri: "placeholder" },
};

const settings = {
  clientId: { variable: "FNO_CONNECTOR_CLIENT_ID", check: checkGuid },
  resourceUri: { variable: "FNO_CONNECTOR_RESOURCE_URI", check: checkEnvironmentUrl },
} as const;
type Setting = keyof typeof settings;

/**
 * Reads the build configuration: per value, its environment variable, else `connector.local.json`
 * (`{"clientId": "…", "resourceUri": "…"}`) in the project root, else the placeholder. A value that is
 * present but malformed is an error, not a fallback.
 */
export function readBuildConfig(projectRoot: string, env: NodeJS.ProcessEnv = process.env): BuildConfig {
  const local = readLocalFile(path.join(projectRoot, "connector.local.json"));
  const read = (name: Setting): { value: string; source: ConfigSource } => {
    const { variable, check } = settings[name];
    const fromEnv = env[variable]?.trim();
    if (fromEnv) return { value: check(fromEnv, variable), source: "environment" };
    const fromFile = local?.values[name];
    if (fromFile !== undefined) {
      if (typeof fromFile !== "string") throw new Error(`${local!.file}: "${name}" must be a string`);
      return { value: check(fromFile.trim(), `${local!.file} ${name}`), source: "connector.local.json" };
    }
    return { value: placeholderConfig[name], source: "placeholder" };
  };
  const clientId = read("clientId");
  const resourceUri = read("resourceUri");
  return { clientId: clientId.value, resourceUri: resourceUri.value, sources: { clientId: clientId.source, resourceUri: resourceUri.source } };
}

/**
 * The sign-in values of a compiled connector's connection parameters (`properties.connectionParameters`
 * of apiProperties.json, or a solution's `_connectionparameters.json`) that are still placeholders. A
 * package with any of them cannot sign anyone in, so nothing may upload or import it.
 */
export function unconfiguredSignIn(connectionParameters: unknown): Setting[] {
  const oauth = (connectionParameters as { token?: { oAuthSettings?: Record<string, unknown> } } | null)?.token?.oAuthSettings;
  const resource = (oauth?.customParameters as { resourceUri?: { value?: unknown } } | undefined)?.resourceUri?.value;
  const audience = (oauth?.properties as { AzureActiveDirectoryResourceId?: unknown } | undefined)?.AzureActiveDirectoryResourceId;
  const missing: Setting[] = [];
  if (oauth?.clientId === placeholderClientId) missing.push("clientId");
  if (resource === placeholderResourceUri || audience === placeholderResourceUri) missing.push("resourceUri");
  return missing;
}

/** How to set the given values, for every command that refuses an unconfigured package. */
export function configurationHelp(missing: readonly Setting[]): string {
  const lines = missing.map((name) =>
    name === "clientId"
      ? `  ${settings.clientId.variable}=<application (client) ID of your Microsoft Entra app>`
      : `  ${settings.resourceUri.variable}=<your usual environment URL, e.g. https://contoso.operations.dynamics.com>`,
  );
  return [
    `the connector package still carries placeholder ${missing.map((m) => (m === "clientId" ? "client ID" : "resource URL")).join(" and ")}, so nobody could sign in with it.`,
    "Set them and build again (npm run build), either as environment variables:",
    ...lines,
    `or once, in an untracked connector.local.json in the project root: {"clientId": "…", "resourceUri": "https://…"}`,
    "`npm run cli -- setup` lists every sign-in step with these values.",
  ].join("\n");
}

function readLocalFile(file: string): { file: string; values: Record<string, unknown> } | undefined {
  if (!existsSync(file)) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(file, "utf8"));
  } catch (err) {
    throw new Error(`${file}: not valid JSON (${(err as Error).message})`);
  }
  if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed)) {
    throw new Error(`${file}: expected {"clientId": "<application ID>", "resourceUri": "<environment URL>"}`);
  }
  return { file, values: parsed as Record<string, unknown> };
}

const guid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function checkGuid(value: string, where: string): string {
  if (!guid.test(value)) throw new Error(`${where}: "${value}" is not an application (client) ID; expected a GUID`);
  return value.toLowerCase();
}

/** An environment URL as F&O's token audience expects it: https, a host, nothing after it. */
function checkEnvironmentUrl(value: string, where: string): string {
  const url = URL.canParse(value) ? new URL(value) : undefined;
  const bare = url !== undefined && url.pathname === "/" && url.search === "" && url.hash === "" && url.username === "" && url.password === "";
  if (url?.protocol !== "https:" || !bare || value.endsWith("/")) {
    throw new Error(`${where}: "${value}" is not an environment URL; expected https://<host> with no path and no trailing slash, e.g. https://contoso.operations.dynamics.com`);
  }
  return url.origin;
}
