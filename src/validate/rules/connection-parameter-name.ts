import { connectionParametersOf } from "../model.ts";
import type { Rule } from "../rule.ts";

/** Microsoft's paconn-apiProperties schema: a name, or `name:sub` for a value that belongs to an OAuth parameter. */
const namePattern = /^[0-9A-Za-z_]+(:[0-9A-Za-z_]+)?$/;

export const connectionParameterName: Rule = {
  id: "connection-parameter-name",
  severity: "error",
  doc: "A connection parameter's name is letters, digits and underscores, optionally `parent:sub` (e.g. token:TenantId).",
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
