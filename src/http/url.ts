/**
 * URL writing: path parameter encoding (`x-ms-url-encoding`), query strings, and how a host URL and an
 * operation path compose. A leaf module: the gateway and the policy templates both write URLs with it.
 * docs/platform-assumptions.md ("Connection and host") gives the evidence.
 */

/** Query parameters in order, names and values not yet encoded. */
export type QueryList = ReadonlyArray<readonly [name: string, value: string]>;

export type UrlEncoding = "single" | "double";

/**
 * Encodes a path parameter value for the backend URL. The designer writes a path value into the flow
 * encoded once (`single`) or twice (`double`) and the gateway decodes it once on the way in, so the
 * backend receives the raw value for `single` (slashes stay path separators, other reserved characters
 * are escaped) and the value encoded once for `double`.
 */
export function encodePathValue(value: string, encoding: UrlEncoding): string {
  return encoding === "double" ? encodeURIComponent(value) : encodeURIComponent(value).replace(/%2F/gi, "/");
}

/** `a=1&b=x%20y`: names and values percent-encoded (RFC 3986), spaces as %20, order kept. */
export function writeQuery(query: QueryList): string {
  return query.map(([name, value]) => `${encodeURIComponent(name)}=${encodeURIComponent(value)}`).join("&");
}

/** Parses `a=1&b=x%20y` back into a list; `+` stays `+`, and malformed escapes are kept as written rather than failing. */
export function readQuery(text: string): [string, string][] {
  if (text === "") return [];
  return text.split("&").filter((pair) => pair !== "").map((pair) => {
    const at = pair.indexOf("=");
    return at < 0 ? [safeDecode(pair), ""] : [safeDecode(pair.slice(0, at)), safeDecode(pair.slice(at + 1))];
  });
}

/**
 * The backend URL: the host URL (which may carry a path and a query of its own), then the operation path,
 * then the request's query parameters after any query the host URL had. An operation path of `/` adds
 * nothing; otherwise exactly one `/` separates the host URL's path from the operation path.
 */
export function composeUrl(hostUrl: string, path: string, query: QueryList): string {
  const base = new URL(hostUrl);
  const basePath = base.pathname.replace(/\/+$/, "");
  const joinedPath = path === "/" || path === "" ? base.pathname : basePath + (path.startsWith("/") ? path : `/${path}`);
  const ownQuery = base.search.slice(1);
  const addedQuery = writeQuery(query);
  const search = [ownQuery, addedQuery].filter((part) => part !== "").join("&");
  return `${base.origin}${joinedPath}${search === "" ? "" : `?${search}`}`;
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}
