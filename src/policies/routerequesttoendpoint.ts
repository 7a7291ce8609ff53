import { encodePathValue, readQuery } from "../http/url.ts";
import { parseTemplate, renderTemplate, textOf, type TemplatePart } from "./expressions.ts";
import { requestScope } from "./scope.ts";
import { PolicyError, textParameter, type PolicyTemplate, type TemplateParameters } from "./template.ts";

const httpMethods = new Set(["GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "HEAD"]);
const originalMethod = "@request.originalhttpmethod";

/**
 * "Route request": replaces the operation path with `newPath` on the same host URL, and optionally the
 * method. `newPath` may name the operation's path parameters as `{name}`, use expressions, and carry a
 * query string (`/search?@queryParameters('type')=…`) whose parameters go before the request's own.
 */
export const routeRequestToEndpoint: PolicyTemplate = {
  id: "routerequesttoendpoint",
  onRequest(request, parameters, context) {
    const template = textParameter(parameters, "newPath");
    const scope = requestScope(request, context);
    const fill = (text: string) => fillPlaceholders(text, request.pathValues, template);
    const { pathParts, queryParts } = splitAtQuery(parseTemplate(template));
    const path = renderTemplate(pathParts, scope, (value) => encodePathValue(textOf(value), "single"), fill);
    const query = renderTemplate(queryParts, scope, (value) => encodeURIComponent(textOf(value)), fill);
    if (!path.startsWith("/")) throw new PolicyError(`newPath "${template}" must start with "/", found "${path}"`);
    return { ...request, method: routedMethod(parameters, request.method), path, query: [...readQuery(query), ...request.query] };
  },
};

/** Splits a parsed newPath at the first `?` written as literal text; expressions never open a query. */
function splitAtQuery(parts: readonly TemplatePart[]): { pathParts: TemplatePart[]; queryParts: TemplatePart[] } {
  const at = parts.findIndex((part) => "literal" in part && part.literal.includes("?"));
  const split = parts[at];
  if (at < 0 || !split || !("literal" in split)) return { pathParts: [...parts], queryParts: [] };
  const mark = split.literal.indexOf("?");
  return {
    pathParts: [...parts.slice(0, at), { literal: split.literal.slice(0, mark) }],
    queryParts: [{ literal: split.literal.slice(mark + 1) }, ...parts.slice(at + 1)],
  };
}

function fillPlaceholders(text: string, pathValues: Readonly<Record<string, string>>, template: string): string {
  return text.replace(/\{([^{}]+)\}/g, (_whole, name: string) => {
    const value = pathValues[name];
    if (value === undefined) {
      const known = Object.keys(pathValues);
      throw new PolicyError(
        `newPath "${template}" names {${name}}, which is not a path parameter of the operation` +
          (known.length > 0 ? ` (its path parameters: ${known.join(", ")})` : " (it has none)"),
      );
    }
    return value;
  });
}

function routedMethod(parameters: TemplateParameters, method: string): string {
  if (parameters["httpMethod"] === undefined || parameters["httpMethod"] === "") return method;
  const requested = textParameter(parameters, "httpMethod").trim();
  if (requested.toLowerCase() === originalMethod) return method;
  if (!httpMethods.has(requested.toUpperCase())) {
    throw new PolicyError(`httpMethod "${requested}" is not one of ${[...httpMethods].join(", ")} or @Request.OriginalHTTPMethod`);
  }
  return requested.toUpperCase();
}
