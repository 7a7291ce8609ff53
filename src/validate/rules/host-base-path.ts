import { sources } from "../evidence.ts";
import { isObject } from "../../connector/index.ts";
import type { Rule } from "../rule.ts";

/** A host name or address with an optional port: no scheme, path, braces or spaces (the official schema's pattern). */
const bareHost = /^[^{}/ :\\]+(?::\d+)?$/;

export const hostBasePath: Rule = {
  id: "host-base-path",
  severity: "error",
  doc: "host, when present, is a bare host name with an optional port; basePath, when present, starts with '/'.",
  why: "The platform builds the backend URL as scheme + host + basePath; a scheme or path in host gives a URL that does not work.",
  evidence: [
    { says: "HostNameNotValid: \"The 'host' property, if present, must be a valid URI host without a scheme or path.\"", url: sources.validatorRules },
    { says: "BasePathNotValid: \"The 'basePath' property, if present, must start with a '/' character.\"", url: sources.validatorRules },
  ],
  example: { fail: "host: https://contoso.example.com/api", pass: "host: contoso.example.com\nbasePath: /api" },
  *check({ definition }) {
    if (!isObject(definition)) return;
    const { host, basePath } = definition;
    if (host !== undefined && (typeof host !== "string" || !bareHost.test(host))) {
      yield {
        message: `host ${JSON.stringify(host)} must be a bare host name with an optional port: no scheme, path or braces (e.g. 'contoso.com')`,
        pointer: "/host",
        document: "apiDefinition",
      };
    }
    if (basePath !== undefined && (typeof basePath !== "string" || !basePath.startsWith("/"))) {
      yield { message: `basePath ${JSON.stringify(basePath)} must start with '/'`, pointer: "/basePath", document: "apiDefinition" };
    }
  },
};
