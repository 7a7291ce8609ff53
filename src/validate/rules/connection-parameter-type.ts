import { sources } from "../evidence.ts";
import { joinPointer } from "../../spec/pointer.ts";
import { connectionParametersOf, isObject } from "../../connector/index.ts";
import type { Rule } from "../rule.ts";

/** Microsoft's paconn-apiProperties schema (docs/rules.md, "connection-parameter-type"). */
const types = ["string", "securestring", "int", "bool", "oauthSetting", "gatewaySetting"];

export const connectionParameterType: Rule = {
  id: "connection-parameter-type",
  severity: "error",
  doc: `A connection parameter's type is one of ${types.join(", ")}.`,
  why: "The connection dialog knows only these parameter types.",
  evidence: [{ says: "paconn-apiProperties.schema.json: type is string, securestring, int, bool, oauthSetting or gatewaySetting.", url: sources.paconnSchema }],
  example: { fail: "api_key: {type: password}", pass: "api_key: {type: securestring}" },
  *check({ properties }) {
    for (const { name, pointer, parameter } of connectionParametersOf(properties)) {
      const type = isObject(parameter) ? parameter.type : undefined;
      if (typeof type === "string" && types.includes(type)) continue;
      yield {
        message: `connection parameter '${name}' has type ${JSON.stringify(type)}; it must be one of ${types.join(", ")}`,
        pointer: isObject(parameter) && "type" in parameter ? joinPointer(pointer, "type") : pointer,
        document: "apiProperties",
      };
    }
  },
};
