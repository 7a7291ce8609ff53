/** RFC 6901 JSON pointers: the one way findings and source maps name a place in a document. */

export function escapeToken(token: string | number): string {
  return String(token).replace(/~/g, "~0").replace(/\//g, "~1");
}

export function unescapeToken(token: string): string {
  return token.replace(/~1/g, "/").replace(/~0/g, "~");
}

export function joinPointer(base: string, ...tokens: (string | number)[]): string {
  return base + tokens.map((t) => "/" + escapeToken(t)).join("");
}

export function splitPointer(pointer: string): string[] {
  if (pointer === "") return [];
  if (!pointer.startsWith("/")) throw new Error(`not a JSON pointer: "${pointer}"`);
  return pointer.slice(1).split("/").map(unescapeToken);
}

/** The value at `pointer`, or undefined when any step is missing. */
export function getAt(root: unknown, pointer: string): unknown {
  let node: unknown = root;
  for (const token of splitPointer(pointer)) {
    if (node === null || typeof node !== "object") return undefined;
    if (!Object.prototype.hasOwnProperty.call(node, token)) return undefined;
    node = (node as Record<string, unknown>)[token];
  }
  return node;
}

/**
 * The JSON pointer a `$ref` names inside its own document (`#/definitions/A%20B` → `/definitions/A B`: the
 * fragment is URI-encoded, RFC 6901 §6), or undefined for a ref to another file or URL, or a fragment that
 * is not a pointer. The validator and the gateway both judge refs by this, so what one passes the other runs.
 */
export function localRefPointer(ref: string): string | undefined {
  if (!ref.startsWith("#")) return undefined;
  let pointer: string;
  try {
    pointer = decodeURIComponent(ref.slice(1));
  } catch {
    return undefined;
  }
  return pointer === "" || pointer.startsWith("/") ? pointer : undefined;
}
