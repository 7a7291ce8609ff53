/**
 * The HTTP messages policy templates transform. The gateway builds a `RequestDraft` from an operation's
 * parameters, runs the Request-section policies over it, and only then turns it into a URL and bytes;
 * the response is read into a `ResponseDraft` for the Response-section policies. Drafts are immutable:
 * every policy returns a new one.
 */
import type { QueryList } from "../http/url.ts";

/** Header names are case-insensitive, so drafts key them in lower case; comparisons then need no folding. */
export type HeaderMap = Readonly<Record<string, string>>;

/** Query parameters in order (src/http/url.ts); a name may repeat. Values are decoded text, encoded when the URL is written. */
export type { QueryList };

/** Raw bytes as a caller may hold them; a string is sent as UTF-8. */
export type BinaryData = Uint8Array | Blob | ReadableStream<Uint8Array> | string;

export type MessageBody =
  | { readonly kind: "none" }
  /** A JSON document, serialised when the request is written (policies such as setproperty edit it first). */
  | { readonly kind: "json"; readonly value: unknown }
  /** Text sent as it is, for a string body of a non-JSON media type (text/plain, XML). */
  | { readonly kind: "text"; readonly text: string }
  | { readonly kind: "binary"; readonly data: BinaryData }
  /** `formData` parameters sent as application/x-www-form-urlencoded. */
  | { readonly kind: "urlencoded"; readonly fields: QueryList }
  /** `formData` parameters sent as multipart/form-data (always so when one of them is a file). */
  | { readonly kind: "multipart"; readonly fields: ReadonlyArray<readonly [string, string | Blob]> };

export interface RequestDraft {
  readonly method: string;
  /**
   * The "host URL" of the Power Platform docs: scheme, host, port and base path (`https://host/basePath`),
   * or whatever `dynamichosturl` evaluated to. Undefined when the definition has no `host` and no policy set one.
   */
  readonly hostUrl: string | undefined;
  /** The operation path with its path parameters filled in and encoded (`/api/connector/dequeue/%7B…%7D`). */
  readonly path: string;
  /** Encoded path parameter values by name, for `{name}` placeholders in `routerequesttoendpoint`'s newPath. */
  readonly pathValues: Readonly<Record<string, string>>;
  readonly query: QueryList;
  readonly headers: HeaderMap;
  readonly body: MessageBody;
}

export interface ResponseDraft {
  readonly status: number;
  readonly headers: HeaderMap;
  readonly body: MessageBody;
}

export type ExistsAction = "override" | "skip" | "append";

export function headerValue(headers: HeaderMap, name: string): string | undefined {
  return headers[name.toLowerCase()];
}

/** Sets a header the way setheader's `existsAction` says; `append` joins values with ", " as RFC 9110 §5.3 allows. */
export function withHeader(headers: HeaderMap, name: string, value: string, action: ExistsAction = "override"): HeaderMap {
  const key = name.toLowerCase();
  const existing = headers[key];
  if (existing !== undefined && action === "skip") return headers;
  const next = existing !== undefined && action === "append" ? `${existing}, ${value}` : value;
  return { ...headers, [key]: next };
}

export function queryValue(query: QueryList, name: string): string | undefined {
  return query.find(([n]) => n === name)?.[1];
}

/** Sets a query parameter: `override` replaces every occurrence, `skip` keeps an existing one, `append` adds another. */
export function withQueryParameter(query: QueryList, name: string, value: string, action: ExistsAction = "override"): QueryList {
  const present = query.some(([n]) => n === name);
  if (present && action === "skip") return query;
  if (present && action === "override") {
    let replaced = false;
    // The first occurrence takes the new value in place; later duplicates go, so the result has exactly one.
    return query.flatMap(([n, v]) => {
      if (n !== name) return [[n, v] as const];
      if (replaced) return [];
      replaced = true;
      return [[n, value] as const];
    });
  }
  return [...query, [name, value]];
}
