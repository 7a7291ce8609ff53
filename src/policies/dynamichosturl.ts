import { evaluateText } from "./expressions.ts";
import { requestScope } from "./scope.ts";
import { PolicyError, textParameter, type PolicyTemplate } from "./template.ts";

/**
 * "Set host URL": replaces the host URL (scheme, host, port and base path) with `urlTemplate`. The
 * operation path is appended by the gateway when it writes the URL; how the two compose is written
 * down in docs/platform-assumptions.md ("Connection and host").
 */
export const dynamicHostUrl: PolicyTemplate = {
  id: "dynamichosturl",
  onRequest(request, parameters, context) {
    const template = textParameter(parameters, "urlTemplate");
    const hostUrl = evaluateText(template, requestScope(request, context)).trim();
    if (!/^https?:\/\//i.test(hostUrl) || !URL.canParse(hostUrl)) {
      throw new PolicyError(`urlTemplate "${template}" evaluated to "${hostUrl}", which is not an absolute http(s) URL`);
    }
    return { ...request, hostUrl };
  },
};
