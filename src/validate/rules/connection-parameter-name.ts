import { sources } from "../evidence.ts";
import { connectionParametersOf } from "../../connector/index.ts";
import type { Rule } from "../rule.ts";

/** Microsoft's paconn-apiProperties schema: a name, or `name:sub` for a value that belongs to an OAuth parameter. */
const namePattern = /^[0-9A-Za-z_]+(:[0-9A-Za-z_]+)?$/;

export const connectionParameterName: Rule = {
  id: "connection-parameter-name",
  severity: "error",
  doc: "A connection parameter's name is letters, digits and underscores, optionally `parent:sub` (e.g. token:TenantId).",
  why: "Microsoft's apiProperties schema admits only these names (and token:TenantId).",
  evidence: [{ says: "paconn-apiProperties.schema.json: connectionParameters keys match ^[0-9a-zA-Z_]+$ or ^[0-9a-zA-Z_]+:[0-9a-zA-Z_]+$.", url: sources.paconnSchema }],
  example: { fail: "connectionParameters:\n  api-key: {type: securestring}", pass: "connectionParameters:\n  api_key: {type: securestring}" },
  *check({ properties }) {
    for (const { name, pointer } of connectionParametersOf(properties)) {
      if (namePattern.test(name)) continue;
      yield {
        message: `connection parameter name '${name}' may only contain letters, digits, '_' and one ':'`,
        pointer,
        document: "apiProperties",
      };
    }
  },
};
