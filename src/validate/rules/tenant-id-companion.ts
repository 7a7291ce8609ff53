import { sources } from "../evidence.ts";
import { joinPointer } from "../../spec/pointer.ts";
import { connectionParametersOf, isObject } from "../../connector/index.ts";
import type { Rule } from "../rule.ts";

/**
 * `token:TenantId` is the hidden companion of an Entra ID (aad) OAuth parameter, filled in by the platform
 * with the signed-in tenant. Microsoft's schema fixes its shape (docs/rules.md, "tenant-id-companion").
 */
const expected: { path: string[]; value: string }[] = [
  { path: ["type"], value: "string" },
  { path: ["metadata", "sourceType"], value: "AzureActiveDirectoryTenant" },
  { path: ["uiDefinition", "constraints", "required"], value: "false" },
  { path: ["uiDefinition", "constraints", "hidden"], value: "true" },
];

function valueAt(root: unknown, path: string[]): unknown {
  return path.reduce<unknown>((node, key) => (isObject(node) ? node[key] : undefined), root);
}

export const tenantIdCompanion: Rule = {
  id: "tenant-id-companion",
  severity: "error",
  doc: "A token:TenantId parameter is a hidden, optional string with metadata.sourceType AzureActiveDirectoryTenant.",
  why: "The platform fills token:TenantId with the signed-in tenant; Microsoft's schema fixes its shape.",
  evidence: [{ says: "paconn-apiProperties.schema.json: ConnectionParameter-claim-TenantId requires type string, metadata.sourceType AzureActiveDirectoryTenant, hidden and not required.", url: sources.paconnSchema }],
  example: { fail: "token:TenantId: {type: string}", pass: "token:TenantId:\n  type: string\n  metadata: {sourceType: AzureActiveDirectoryTenant}\n  uiDefinition: {constraints: {required: 'false', hidden: 'true'}}" },
  *check({ properties }) {
    for (const { name, pointer, parameter } of connectionParametersOf(properties)) {
      if (name !== "token:TenantId") continue;
      for (const { path, value } of expected) {
        const actual = valueAt(parameter, path);
        if (actual === value) continue;
        yield {
          message: `${name}.${path.join(".")} is ${JSON.stringify(actual)}; it must be "${value}"`,
          pointer: joinPointer(pointer, ...path),
          document: "apiProperties",
        };
      }
    }
  },
};
