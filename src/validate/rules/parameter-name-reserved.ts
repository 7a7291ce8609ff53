import { sources } from "../evidence.ts";
import { joinPointer } from "../../spec/pointer.ts";
import { nodesOfKind } from "../../connector/index.ts";
import type { Rule } from "../rule.ts";

export const parameterNameReserved: Rule = {
  id: "parameter-name-reserved",
  severity: "error",
  doc: "No parameter is named connectionId: the platform uses that name for the connection itself.",
  why: "The platform uses connectionId for the connection itself.",
  evidence: [{ says: "ConnectionIdParameterNotAllowed: \"A parameter cannot be named as 'connectionId'.\"", url: sources.validatorRules }],
  example: { fail: "- {name: connectionId, in: query, type: string}", pass: "- {name: connection, in: query, type: string}" },
  *check({ definition }) {
    for (const { pointer, value } of nodesOfKind(definition, "parameter")) {
      if (typeof value.name !== "string" || value.name.toLowerCase() !== "connectionid") continue;
      yield {
        message: `parameter name '${value.name}' is reserved by Power Platform`,
        pointer: joinPointer(pointer, "name"),
        document: "apiDefinition",
      };
    }
  },
};
