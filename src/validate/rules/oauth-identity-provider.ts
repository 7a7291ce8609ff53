import { sources } from "../evidence.ts";
import { joinPointer } from "../../spec/pointer.ts";
import { connectionParametersOf, isObject } from "../../connector/index.ts";
import type { Rule } from "../rule.ts";

/**
 * Identity providers seen in Microsoft's apiProperties schema and in certified connectors
 * (docs/rules.md, "oauth-identity-provider").
 * The portal offers more first-party providers than any public list names, hence a warning, not an error.
 */
const providers = ["oauth2", "oauth2generic", "aad", "aadcertificate", "facebook", "docusign"];

export const oauthIdentityProvider: Rule = {
  id: "oauth-identity-provider",
  severity: "warning",
  doc: `An oauthSetting parameter's identityProvider is a known one (${providers.join(", ")}).`,
  why: "An unknown identity provider cannot sign in. A warning: the portal offers more first-party providers than any public list names.",
  evidence: [{ says: "paconn-apiProperties.schema.json: identityProvider enum oauth2, oauth2generic, aad, aadcertificate, facebook.", url: sources.paconnSchema }],
  example: { fail: "oAuthSettings: {identityProvider: okta}", pass: "oAuthSettings: {identityProvider: aad}" },
  *check({ properties }) {
    for (const { name, pointer, parameter } of connectionParametersOf(properties)) {
      if (!isObject(parameter) || parameter.type !== "oauthSetting") continue;
      const settings = parameter.oAuthSettings;
      const provider = isObject(settings) ? settings.identityProvider : undefined;
      if (typeof provider === "string" && providers.includes(provider.toLowerCase())) continue;
      yield {
        message: `connection parameter '${name}' uses identityProvider ${JSON.stringify(provider)}; known ones are ${providers.join(", ")}`,
        pointer: isObject(settings) ? joinPointer(pointer, "oAuthSettings", "identityProvider") : pointer,
        document: "apiProperties",
      };
    }
  },
};
