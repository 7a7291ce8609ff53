import { evaluateText, type ExpressionScope } from "./expressions.ts";
import { withHeader, type HeaderMap } from "./message.ts";
import { requestScope, responseScope } from "./scope.ts";
import { existsActionParameter, textParameter, type PolicyTemplate, type TemplateParameters } from "./template.ts";

/** "Set HTTP header": sets `name` to the evaluated `value` on the request or the response, per `existsAction`. */
export const setHeader: PolicyTemplate = {
  id: "setheader",
  onRequest: (request, parameters, context) => ({
    ...request,
    headers: setFromParameters(request.headers, parameters, requestScope(request, context)),
  }),
  onResponse: (response, parameters, context) => ({
    ...response,
    headers: setFromParameters(response.headers, parameters, responseScope(response, context)),
  }),
};

function setFromParameters(headers: HeaderMap, parameters: TemplateParameters, scope: ExpressionScope): HeaderMap {
  const value = evaluateText(textParameter(parameters, "value"), scope);
  return withHeader(headers, textParameter(parameters, "name"), value, existsActionParameter(parameters));
}
