import { createHash } from "node:crypto";

/**
 * Names Dataverse derives from display text. The rules are read off real exports
 * (docs/format-notes.md, "Names Dataverse derives"); docs/platform-assumptions.md
 * ("Solution import") lists which parts are unconfirmed.
 */

/**
 * The connector's Dataverse `name` (also the RootComponent schemaName and the `Connector/` file stem):
 * `<prefix>_<display name in lower case>`, with `_` written `_5F` and every other character outside
 * [a-z0-9] written `-XX` (UTF-8 bytes, upper-case hex). "CT Contract" with prefix cttech gives
 * `cttech_5Fct-20contract`; "Kursy walut NBP" with cre80 gives `cre80_5Fkursy-20walut-20nbp`.
 */
export function connectorSchemaName(prefix: string, displayName: string): string {
  return escapeBytes(connectorLogicalName(prefix, displayName), (hex) => (hex === "5F" ? "_5F" : `-${hex}`));
}

/**
 * The runtime API name without the environment-specific suffix: `shared_` plus the logical name with
 * every character outside [a-z0-9] written `-xx` (lower-case hex). Real API names append `-5f<hash>`,
 * a hash each environment assigns on import (EX-B `shared_cre80-5fkursy-20walut-20nbp-5f9f745961df205669`),
 * which a build cannot know.
 */
export function connectorApiName(prefix: string, displayName: string): string {
  return `shared_${escapeBytes(connectorLogicalName(prefix, displayName), (hex) => `-${hex.toLowerCase()}`)}`;
}

function connectorLogicalName(prefix: string, displayName: string): string {
  return `${prefix}_${displayName.toLowerCase()}`;
}

function escapeBytes(text: string, escape: (hex: string) => string): string {
  let out = "";
  for (const char of text) {
    if (/[a-z0-9]/.test(char)) {
      out += char;
      continue;
    }
    for (const byte of Buffer.from(char, "utf8")) out += escape(byte.toString(16).toUpperCase().padStart(2, "0"));
  }
  return out;
}

/**
 * A cloud flow's file name in `Workflows/`: the display name without anything outside
 * [A-Za-z0-9-], cut to 50 characters, then `-` and the upper-case GUID. "Flow dla konektora kursów
 * walut" gives `Flowdlakonektorakurswwalut-8FDE32D5-….json` (EX-B).
 */
export function workflowFileName(displayName: string, workflowId: string): string {
  const stem = displayName.replace(/[^A-Za-z0-9-]/g, "").slice(0, 50);
  return `${stem}-${workflowId.toUpperCase()}.json`;
}

// Fixed namespace of this project's name-based GUIDs; changing it would give every generated component a new identity.
const guidNamespace = "6f1c3f0e-2a8b-4d4e-9c55-0b7f1d2e8a41";

/**
 * A name-based (version 5) GUID: the same name always gives the same GUID, so generated components
 * (the sample flow) keep their identity from one build to the next and imports update them in place.
 */
export function nameBasedGuid(name: string): string {
  const hash = createHash("sha1")
    .update(Buffer.from(guidNamespace.replace(/-/g, ""), "hex"))
    .update(name, "utf8")
    .digest();
  hash[6] = (hash[6]! & 0x0f) | 0x50;
  hash[8] = (hash[8]! & 0x3f) | 0x80;
  const hex = hash.subarray(0, 16).toString("hex");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

export const guidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
