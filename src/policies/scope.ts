import type { ExpressionScope } from "./expressions.ts";
import { headerValue, queryValue, type MessageBody, type RequestDraft, type ResponseDraft } from "./message.ts";
import { PolicyError, type ConnectionValues, type PolicyContext, type ResponsePolicyContext } from "./template.ts";

/** Expressions in a Request-section policy read the request being built, as earlier policies left it. */
export function requestScope(request: RequestDraft, context: PolicyContext): ExpressionScope {
  return {
    connectionParameter: (name) => connectionValue(context.connection, name),
    header: (name) => headerValue(request.headers, name),
    queryParameter: (name) => queryValue(request.query, name),
    body: () => bodyValue(request.body),
  };
}

/**
 * Expressions in a Response-section policy read the response's headers and body; query parameters
 * only exist on the request, so `@queryParameters` reads the request that was sent.
 */
export function responseScope(response: ResponseDraft, context: ResponsePolicyContext): ExpressionScope {
  return {
    connectionParameter: (name) => connectionValue(context.connection, name),
    header: (name) => headerValue(response.headers, name),
    queryParameter: (name) => queryValue(context.request.query, name),
    body: () => bodyValue(response.body),
  };
}

/**
 * A connection parameter by name; names match without regard to case when no exact match exists, as
 * certified connectors that spell them differently in policies and in connectionParameters rely on.
 */
export function connectionValue(connection: ConnectionValues, name: string): string | undefined {
  if (Object.prototype.hasOwnProperty.call(connection, name)) return connection[name];
  const folded = name.toLowerCase();
  return Object.entries(connection).find(([key]) => key.toLowerCase() === folded)?.[1];
}

function bodyValue(body: MessageBody): unknown {
  switch (body.kind) {
    case "none":
      return undefined;
    case "json":
      return body.value;
    case "text":
      return body.text;
    case "binary":
    case "urlencoded":
    case "multipart":
      throw new PolicyError(`@body() cannot read a ${body.kind} body`);
  }
}
