/**
 * The expression language of policy template parameters, as far as the gateway implements it
 * (Microsoft Learn "policy-templates/expressions"; docs/platform-assumptions.md, "Policy templates (gateway)"):
 *
 * - `@connectionParameters('name'[, 'default'])`, `@headers('name'[, 'default'])`, `@header('name'[, 'default'])`,
 *   `@queryParameters('name')` and `@body()` with a property path (`@body().a.b`, `@body()['a'][0]`); an
 *   argument is a `'quoted'` string or a number, and a call with more or fewer arguments is refused;
 * - written bare inside text (`https://@connectionParameters('vault').vault.azure.net`) or embedded
 *   as `@{…}` or `{@…}` (setproperty writes the latter);
 * - `@@` is a literal `@`, and an `@` not followed by `name(` is literal text (`user@example.com`).
 *
 * Function names fold case (`@ConnectionParameters` appears in certified connectors). Any other
 * function parses, so that evaluating it can say exactly which function is not supported.
 */
import { PolicyError } from "./template.ts";

export interface Expression {
  /** The expression as written in the template, for messages. */
  readonly source: string;
  readonly name: string;
  readonly args: readonly (string | number)[];
  /** Property steps after the call: `@body().a[0]` has `["a", 0]`. */
  readonly path: readonly (string | number)[];
}

export type TemplatePart = { readonly literal: string } | { readonly expression: Expression };

/** What expressions read: the connection and the message the policy is working on. */
export interface ExpressionScope {
  connectionParameter(name: string): string | undefined;
  header(name: string): string | undefined;
  queryParameter(name: string): string | undefined;
  body(): unknown;
}

/** Functions whose result is an object, so a bare `@name().x.y` continues with a property path. */
const objectFunctions = new Set(["body", "triggerbody", "item", "outputs", "triggeroutputs"]);

export function parseTemplate(text: string): TemplatePart[] {
  const parts: TemplatePart[] = [];
  let literal = "";
  const flush = () => {
    if (literal !== "") parts.push({ literal });
    literal = "";
  };
  let i = 0;
  while (i < text.length) {
    if (text.startsWith("@@", i)) {
      literal += "@";
      i += 2;
      continue;
    }
    if (text.startsWith("@{", i) || text.startsWith("{@", i)) {
      const open = text[i] === "{" ? i : i + 1;
      const close = closingBrace(text, open);
      const source = text.slice(i, close + 1);
      const inner = text.slice(open + 1, close).trim();
      flush();
      parts.push({ expression: parseEmbedded(inner.startsWith("@") ? inner.slice(1) : inner, source) });
      i = close + 1;
      continue;
    }
    if (text[i] === "@") {
      const call = parseCall(text, i + 1, false);
      if (call) {
        flush();
        parts.push({ expression: { ...call.expression, source: text.slice(i, call.end) } });
        i = call.end;
        continue;
      }
    }
    literal += text[i];
    i += 1;
  }
  flush();
  return parts;
}

/** Evaluates a template: a template that is one expression yields its value as is; anything else yields text. */
export function evaluateTemplate(template: string, scope: ExpressionScope): unknown {
  const parts = parseTemplate(template);
  const [only] = parts;
  if (parts.length === 1 && only && "expression" in only) return evaluateExpression(only.expression, scope);
  return renderTemplate(parts, scope, textOf);
}

/** Evaluates a template to text (header values, URLs, paths). */
export function evaluateText(template: string, scope: ExpressionScope): string {
  return textOf(evaluateTemplate(template, scope));
}

/**
 * Writes a parsed template as text: literal parts through `literal`, expression values through `write`.
 * Callers choose the writers: JSON for setproperty's JSON values, placeholders for routerequesttoendpoint.
 */
export function renderTemplate(
  parts: readonly TemplatePart[],
  scope: ExpressionScope,
  write: (value: unknown) => string,
  literal: (text: string) => string = (text) => text,
): string {
  return parts.map((part) => ("literal" in part ? literal(part.literal) : write(evaluateExpression(part.expression, scope)))).join("");
}

/** How an expression value reads inside text: missing values are empty, objects are JSON. */
export function textOf(value: unknown): string {
  if (value === undefined || value === null) return "";
  if (typeof value === "string") return value;
  if (typeof value === "number" || typeof value === "boolean") return String(value);
  return JSON.stringify(value);
}

type ExpressionFunction = (args: readonly (string | number)[], scope: ExpressionScope, expression: Expression) => unknown;

const functions: Readonly<Record<string, { arity: [number, number]; call: ExpressionFunction }>> = {
  connectionparameters: {
    arity: [1, 2],
    call: (args, scope, expression) =>
      scope.connectionParameter(String(args[0])) ?? fallback(args, expression, `connection parameter '${args[0]}' is not set`),
  },
  headers: {
    arity: [1, 2],
    call: (args, scope, expression) => scope.header(String(args[0])) ?? fallback(args, expression, `header '${args[0]}' is not set`),
  },
  header: {
    arity: [1, 2],
    call: (args, scope, expression) => scope.header(String(args[0])) ?? fallback(args, expression, `header '${args[0]}' is not set`),
  },
  queryparameters: {
    arity: [1, 1],
    call: (args, scope, expression) =>
      scope.queryParameter(String(args[0])) ?? fallback(args, expression, `query parameter '${args[0]}' is not set`),
  },
  body: { arity: [0, 0], call: (_args, scope) => scope.body() },
};

export function evaluateExpression(expression: Expression, scope: ExpressionScope): unknown {
  const fn = functions[expression.name.toLowerCase()];
  if (!fn) {
    throw new PolicyError(`expression function '${expression.name}' in "${expression.source}" is not supported by the gateway yet`, {
      unsupported: true,
    });
  }
  const [min, max] = fn.arity;
  if (expression.args.length < min || expression.args.length > max) {
    const expected = min === max ? `${min}` : `${min} or ${max}`;
    throw new PolicyError(`"${expression.source}": ${expression.name} takes ${expected} argument(s), found ${expression.args.length}`);
  }
  return walk(fn.call(expression.args, scope, expression), expression.path);
}

/** Follows property steps; a missing step yields undefined, as a flow's `?.` would, rather than failing the call. */
function walk(value: unknown, path: readonly (string | number)[]): unknown {
  let node = value;
  for (const step of path) {
    if (node === null || typeof node !== "object") return undefined;
    if (Array.isArray(node)) {
      node = typeof step === "number" ? node[step] : undefined;
    } else {
      node = Object.prototype.hasOwnProperty.call(node, step) ? (node as Record<string, unknown>)[step] : undefined;
    }
  }
  return node;
}

function fallback(args: readonly (string | number)[], expression: Expression, missing: string): unknown {
  if (args.length > 1) return args[1];
  throw new PolicyError(`"${expression.source}": ${missing}`);
}

function parseEmbedded(inner: string, source: string): Expression {
  const call = parseCall(inner, 0, true);
  if (!call || inner.slice(call.end).trim() !== "") {
    throw new PolicyError(`"${source}" is not an expression the gateway can read (expected name(arguments) with an optional property path)`);
  }
  return { ...call.expression, source };
}

const identifier = /[A-Za-z_][A-Za-z0-9_]*/;
const propertyName = /[A-Za-z0-9_$]+/;
const numberLiteral = /-?\d+(?:\.\d+)?/;

/** The match of `pattern` starting exactly at `at`, if any (a fresh sticky copy, so no regex state is shared). */
function matchAt(pattern: RegExp, text: string, at: number): string | undefined {
  const sticky = new RegExp(pattern.source, "y");
  sticky.lastIndex = at;
  return sticky.exec(text)?.[0];
}

/**
 * Parses `name(args)` plus a property path at `start`. Returns undefined when the text there is not a
 * call, so that a bare `@` stays literal. `embedded` says the call is inside braces: then any function
 * may be followed by a path, since the closing brace ends it unambiguously.
 */
function parseCall(text: string, start: number, embedded: boolean): { expression: Omit<Expression, "source">; end: number } | undefined {
  const name = matchAt(identifier, text, start);
  if (!name || text[start + name.length] !== "(") return undefined;
  const shown = text.slice(Math.max(0, start - 1));
  let i = start + name.length + 1;
  const args: (string | number)[] = [];
  const skipSpace = () => {
    while (text[i] === " " || text[i] === "\t") i += 1;
  };
  skipSpace();
  while (text[i] !== ")") {
    if (i >= text.length) throw new PolicyError(`"${shown}": missing ")"`);
    if (args.length > 0) {
      if (text[i] !== ",") throw new PolicyError(`"${shown}": expected "," or ")" at "${text.slice(i)}"`);
      i += 1;
      skipSpace();
    }
    if (text[i] === "'") {
      const literal = readQuoted(text, i);
      args.push(literal.value);
      i = literal.end;
    } else {
      const number = matchAt(numberLiteral, text, i);
      if (number === undefined) throw new PolicyError(`"${shown}": arguments must be 'quoted' strings or numbers`);
      args.push(Number(number));
      i += number.length;
    }
    skipSpace();
  }
  i += 1;
  const path: (string | number)[] = [];
  if (embedded || objectFunctions.has(name.toLowerCase())) {
    for (;;) {
      if (text[i] === "." || text.startsWith("?.", i)) {
        const from = text[i] === "." ? i + 1 : i + 2;
        const step = matchAt(propertyName, text, from);
        if (!step) break;
        path.push(step);
        i = from + step.length;
      } else if (text[i] === "[" && text[i + 1] === "'") {
        const key = readQuoted(text, i + 1);
        if (text[key.end] !== "]") throw new PolicyError(`"${shown}": missing "]"`);
        path.push(key.value);
        i = key.end + 1;
      } else if (text[i] === "[" && /\d/.test(text[i + 1] ?? "")) {
        const close = text.indexOf("]", i);
        const index = text.slice(i + 1, close);
        if (close < 0 || !/^\d+$/.test(index)) throw new PolicyError(`"${shown}": bad index "${text.slice(i)}"`);
        path.push(Number(index));
        i = close + 1;
      } else {
        break;
      }
    }
  }
  return { expression: { name, args, path }, end: i };
}

/** A single-quoted string literal starting at `start`; `''` is an escaped quote, as in Logic Apps. */
function readQuoted(text: string, start: number): { value: string; end: number } {
  let value = "";
  let i = start + 1;
  for (;;) {
    if (i >= text.length) throw new PolicyError(`unterminated string in "${text}"`);
    if (text[i] === "'") {
      if (text[i + 1] !== "'") return { value, end: i + 1 };
      value += "'";
      i += 2;
      continue;
    }
    value += text[i];
    i += 1;
  }
}

/** The index of the `}` closing the `{` at `open`, skipping quoted strings and nested braces. */
function closingBrace(text: string, open: number): number {
  let depth = 0;
  for (let i = open; i < text.length; i += 1) {
    const ch = text[i];
    if (ch === "'") {
      i = readQuoted(text, i).end - 1;
    } else if (ch === "{") {
      depth += 1;
    } else if (ch === "}") {
      depth -= 1;
      if (depth === 0) return i;
    }
  }
  throw new PolicyError(`unterminated "{" in "${text}"`);
}
