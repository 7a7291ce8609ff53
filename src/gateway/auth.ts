import { connectionParametersOf, isObject } from "../connector/index.ts";
import { withHeader, withQueryParameter, type RequestDraft } from "../policies/message.ts";
import { connectionValue } from "../policies/scope.ts";
import type { ConnectionValues } from "../policies/template.ts";
import { GatewayError } from "./errors.ts";
import type { Operation } from "./operation.ts";
import type { ConnectorPackage } from "./package.ts";

/**
 * Adds the connection's credentials for the security schemes the operation requires, before any policy
 * runs (policies such as `Bearer @headers('Authorization')` read them). Each scheme type reads the
 * connection parameters the portal names for it: oauth2 the `oauthSetting` parameter (`token`), holding
 * an access token; apiKey `api_key`; basic `username` and `password`. A scheme whose parameters the
 * connector does not declare is left alone; a header the operation set itself is kept.
 */
export function withConnectionAuth(pkg: ConnectorPackage, operation: Operation, request: RequestDraft, connection: ConnectionValues): RequestDraft {
  const declared = declaredConnectionParameters(pkg.properties);
  const value = (name: string, purpose: string): string => {
    const found = connectionValue(connection, name);
    if (found === undefined || found === "") {
      throw new GatewayError("input", `operation ${operation.id} needs connection parameter '${name}' (${purpose})`, operation.id);
    }
    return found;
  };
  return securitySchemes(pkg.definition, operation).reduce((draft, scheme) => {
    if (scheme.type === "oauth2") {
      const token = [...declared].find(([, type]) => type === "oauthSetting")?.[0];
      if (token === undefined) return draft;
      return { ...draft, headers: withHeader(draft.headers, "Authorization", `Bearer ${value(token, "an OAuth access token")}`, "skip") };
    }
    if (scheme.type === "apiKey" && declared.has("api_key") && typeof scheme.name === "string") {
      const key = value("api_key", "the API key");
      return scheme.in === "query"
        ? { ...draft, query: withQueryParameter(draft.query, scheme.name, key, "skip") }
        : { ...draft, headers: withHeader(draft.headers, scheme.name, key, "skip") };
    }
    if (scheme.type === "basic" && declared.has("username") && declared.has("password")) {
      const credentials = Buffer.from(`${value("username", "the user name")}:${value("password", "the password")}`).toString("base64");
      return { ...draft, headers: withHeader(draft.headers, "Authorization", `Basic ${credentials}`, "skip") };
    }
    return draft;
  }, request);
}

interface SecurityScheme {
  type?: unknown;
  name?: unknown;
  in?: unknown;
}

/**
 * The security definitions of the operation's first requirement. Further requirements are alternatives
 * (one per connection parameter set in multi-auth connectors); the gateway runs the first.
 */
function securitySchemes(definition: Record<string, unknown>, operation: Operation): SecurityScheme[] {
  const schemes = (definition["securityDefinitions"] ?? {}) as Record<string, SecurityScheme | undefined>;
  const [first] = operation.security;
  return first === undefined ? [] : Object.keys(first).flatMap((name) => schemes[name] ?? []);
}

/** Connection parameter names and types, directly declared or in any connection parameter set. */
function declaredConnectionParameters(properties: Record<string, unknown>): Map<string, unknown> {
  return new Map(connectionParametersOf(properties).map(({ name, parameter }) => [name, isObject(parameter) ? parameter.type : undefined]));
}
