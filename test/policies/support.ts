/** Small drafts and scopes for policy tests; each test states only what it exercises. */
import type { ExpressionScope } from "../../src/policies/expressions.ts";
import type { HeaderMap, MessageBody, QueryList, RequestDraft, ResponseDraft } from "../../src/policies/message.ts";
import type { PolicyContext, ResponsePolicyContext } from "../../src/policies/template.ts";

export function requestDraft(overrides: Partial<RequestDraft> = {}): RequestDraft {
  return {
    method: "GET",
    hostUrl: "https://contoso.operations.dynamics.com",
    path: "/api/connector/dequeue/%7Babc%7D",
    pathValues: { activityId: "%7Babc%7D" },
    query: [],
    headers: {},
    body: { kind: "none" },
    ...overrides,
  };
}

export function responseDraft(overrides: Partial<ResponseDraft> = {}): ResponseDraft {
  return { status: 200, headers: {}, body: { kind: "none" }, ...overrides };
}

export function context(connection: Record<string, string> = {}): PolicyContext {
  return { operationId: "Dequeue", connection };
}

export function responseContext(request: RequestDraft = requestDraft(), connection: Record<string, string> = {}): ResponsePolicyContext {
  return { operationId: "Dequeue", connection, request };
}

export function scope(parts: { connection?: Record<string, string>; headers?: HeaderMap; query?: QueryList; body?: MessageBody } = {}): ExpressionScope {
  const headers = parts.headers ?? {};
  return {
    connectionParameter: (name) => parts.connection?.[name],
    header: (name) => headers[name.toLowerCase()],
    queryParameter: (name) => parts.query?.find(([n]) => n === name)?.[1],
    body: () => (parts.body?.kind === "json" ? parts.body.value : undefined),
  };
}

export function json(value: unknown): MessageBody {
  return { kind: "json", value };
}
