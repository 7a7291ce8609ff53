import type { TokenCredential } from "@azure/core-auth";
import type { Command } from "commander";
import { FnoClient, LoopbackClientSecretCredential, type RetryEvent } from "../client/index.ts";
import { CliError, ExitCode } from "./errors.ts";

/** The flags every command that talks to an environment takes; each falls back to the standard variable. */
export interface ConnectionFlags {
  url?: string;
  tenant?: string;
  clientId?: string;
  clientSecret?: string;
  authorityHost?: string;
}

export function addConnectionOptions(command: Command): Command {
  return command
    .option("--url <url>", "environment URL (env FNO_URL)")
    .option("--tenant <id>", "Entra tenant ID (env AZURE_TENANT_ID)")
    .option("--client-id <id>", "app (client) ID (env AZURE_CLIENT_ID)")
    .option("--client-secret <secret>", "client secret (env AZURE_CLIENT_SECRET; prefer the variable)")
    .option("--authority-host <url>", "token authority (env AZURE_AUTHORITY_HOST, default https://login.microsoftonline.com)");
}

export interface ResolvedConnection {
  environmentUrl: string;
  tenantId: string;
  clientId: string;
  clientSecret: string;
  authorityHost: string | undefined;
}

export function resolveConnection(flags: ConnectionFlags, env: NodeJS.ProcessEnv = process.env): ResolvedConnection {
  const values = {
    environmentUrl: flags.url ?? env.FNO_URL,
    tenantId: flags.tenant ?? env.AZURE_TENANT_ID,
    clientId: flags.clientId ?? env.AZURE_CLIENT_ID,
    clientSecret: flags.clientSecret ?? env.AZURE_CLIENT_SECRET,
  };
  const names: Record<keyof typeof values, string> = {
    environmentUrl: "--url / FNO_URL",
    tenantId: "--tenant / AZURE_TENANT_ID",
    clientId: "--client-id / AZURE_CLIENT_ID",
    clientSecret: "--client-secret / AZURE_CLIENT_SECRET",
  };
  const missing = (Object.keys(values) as (keyof typeof values)[]).filter((k) => !values[k]).map((k) => names[k]);
  if (missing.length > 0) throw new CliError(`missing connection settings: ${missing.join(", ")}`, ExitCode.unreadable);
  const authorityHost = flags.authorityHost ?? env.AZURE_AUTHORITY_HOST;
  requireHttpUrl(values.environmentUrl!, "--url / FNO_URL", "https://myorg.operations.dynamics.com");
  if (authorityHost !== undefined) requireHttpUrl(authorityHost, "--authority-host / AZURE_AUTHORITY_HOST", "https://login.microsoftonline.com");
  return {
    environmentUrl: values.environmentUrl!,
    tenantId: values.tenantId!,
    clientId: values.clientId!,
    clientSecret: values.clientSecret!,
    authorityHost,
  };
}

const loopbackHosts = new Set(["127.0.0.1", "localhost", "[::1]"]);

/**
 * `text` is an https URL, or an http URL on this machine (the simulator): a token sent over plain http to
 * another host could be read on the way. `name` is the option or variable it came from.
 */
export function requireHttpUrl(text: string, name: string, example: string): URL {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new CliError(`${name}: "${text}" is not an http(s) URL; expected one such as ${example}`, ExitCode.unreadable);
  }
  const secure = url.protocol === "https:" || (url.protocol === "http:" && loopbackHosts.has(url.hostname));
  if (!secure) {
    const why = url.protocol === "http:" ? "plain http is only for this machine (the simulator); use https" : "expected an http(s) URL";
    throw new CliError(`${name}: "${text}": ${why}, such as ${example}`, ExitCode.unreadable);
  }
  return url;
}

/**
 * A client for the resolved connection. Entra ID gets @azure/identity's credential; an http authority on
 * loopback (the embedded simulator) gets the loopback credential, since @azure/identity requires https.
 */
export async function createClient(connection: ResolvedConnection, onRetry?: (event: RetryEvent) => void): Promise<FnoClient> {
  const credential = await createCredential(connection);
  return new FnoClient({ environmentUrl: connection.environmentUrl, credential, ...(onRetry ? { onRetry } : {}) });
}

/** The client-credentials credential of a resolved connection (also used for Dataverse by `deploy`). */
export async function createCredential(connection: ResolvedConnection): Promise<TokenCredential> {
  const { authorityHost } = connection;
  // @azure/identity is loaded only when it is used: it is the slowest part of the CLI's start-up.
  return authorityHost?.startsWith("http://")
    ? new LoopbackClientSecretCredential(authorityHost, connection.tenantId, connection.clientId, connection.clientSecret)
    : new (await import("@azure/identity")).ClientSecretCredential(
        connection.tenantId,
        connection.clientId,
        connection.clientSecret,
        authorityHost ? { authorityHost } : {},
      );
}
