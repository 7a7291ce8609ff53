/**
 * Credentials out of anything the CLI prints about a failure. Two nets: the values the run was given as
 * credentials (client secret, connection tokens, secret-named environment variables), wherever they appear,
 * and the shapes credentials have whoever wrote them (bearer and basic headers, JWTs, SAS signatures,
 * secret fields). The recordings' redaction (test/harness/redact.ts) uses the same shapes.
 */

export const redacted = "REDACTED";

/** Names of fields, parameters and variables whose values are credentials whatever they look like. */
export const secretName = /token|secret|password|passwd|assertion|api[-_]?key|^key$|signature|^sig$|credential|cookie|authorization/i;

/** Credential shapes in free text; group 1, when present, is the part kept. */
export const credentialShapes: { name: string; pattern: RegExp }[] = [
  { name: "JWT", pattern: /eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]*/g },
  { name: "bearer or basic credential", pattern: /(\b(?:Bearer|Basic)\s+)(?!REDACTED\b)[A-Za-z0-9._~+/=-]{8,}/gi },
  // sig=, also URL-encoded once (%26sig%3D) or twice (%2526sig%253D), as a URL inside a URL carries it.
  { name: "SAS signature", pattern: /((?:[?&]|%26|%2526)sig(?:=|%3D|%253D))(?!REDACTED\b)[^&"'\s\\]+/gi },
  { name: "secret field", pattern: /((?:client_secret|password|access_token|refresh_token|id_token|api_?key)["']?\s*[=:]\s*["']?)(?!REDACTED\b)[^&"'\s,}]{4,}/gi },
];

/** Values shorter than this are not taken as credentials: replacing them everywhere would garble the message. */
const minimumSecretLength = 8;

/** The credential values a run was given: --client-secret, secret-named --connection values, secret-named variables. */
export function givenSecrets(args: readonly string[], env: NodeJS.ProcessEnv): string[] {
  const values: string[] = [];
  args.forEach((arg, i) => {
    const [flag, inline] = arg.startsWith("--") && arg.includes("=") ? [arg.slice(0, arg.indexOf("=")), arg.slice(arg.indexOf("=") + 1)] : [arg, args[i + 1]];
    if (inline === undefined) return;
    if (flag === "--client-secret") values.push(inline);
    if (flag === "--connection") {
      const name = inline.slice(0, Math.max(inline.indexOf("="), 0));
      // token:resourceUri is the environment URL the token is for, not a credential.
      if (secretName.test(name) && !/:resourceUri$/i.test(name)) values.push(inline.slice(name.length + 1));
    }
  });
  for (const [name, value] of Object.entries(env)) if (value !== undefined && secretName.test(name)) values.push(value);
  return values.filter((value) => value.length >= minimumSecretLength);
}

/** `text` without the given secrets (also URL-encoded, as they appear in form bodies) and without credential shapes. */
export function withoutCredentials(text: string, secrets: readonly string[] = []): string {
  let result = text;
  for (const secret of secrets) {
    for (const form of new Set([secret, encodeURIComponent(secret), new URLSearchParams({ s: secret }).toString().slice(2)])) {
      result = result.split(form).join(redacted);
    }
  }
  for (const { pattern } of credentialShapes) result = result.replace(pattern, (_match, kept: unknown) => `${typeof kept === "string" ? kept : ""}${redacted}`);
  return result;
}
