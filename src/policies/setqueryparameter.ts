import { evaluateText } from "./expressions.ts";
import { withQueryParameter } from "./message.ts";
import { requestScope } from "./scope.ts";
import { existsActionParameter, textParameter, type PolicyTemplate } from "./template.ts";

/** "Set query string parameter": request only; `skip` makes it a default the caller may override. */
export const setQueryParameter: PolicyTemplate = {
  id: "setqueryparameter",
  onRequest(request, parameters, context) {
    const value = evaluateText(textParameter(parameters, "value"), requestScope(request, context));
    return {
      ...request,
      query: withQueryParameter(request.query, textParameter(parameters, "name"), value, existsActionParameter(parameters)),
    };
  },
};
