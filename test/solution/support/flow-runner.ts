import { randomUUID } from "node:crypto";

/**
 * A small runner for the sample flows' definitions, so tests check what a flow does rather than how its JSON
 * looks. It knows only what the sample flows use and throws on anything else, so a flow that grows a new
 * construct fails loudly instead of passing unchecked. The semantics are Logic Apps' documented ones
 * (workflow definition language; "Schema reference guide for trigger and action types"; "Handle errors and
 * exceptions"), as docs/platform-assumptions.md ("Sample flow") states them:
 * - actions in a scope run once every action in their `runAfter` has finished with one of the listed
 *   statuses, otherwise they are Skipped; an empty `runAfter` runs first;
 * - a connector or HTTP action without `retryPolicy: none` is retried on 408, 429 and 5xx (default policy:
 *   4 retries), and fails on a status of 400 or more;
 * - `If` and `Until` fail when an action inside them failed; an `Until` runs its actions, then checks its
 *   expression, up to `limit.count` times (its `limit.timeout` is not modelled);
 * - `Wait` hands its interval to the test (which moves a simulated clock);
 * - `Terminate` ends the run with its status and error;
 * - a `Request` trigger's body must hold the inputs its schema requires; a `Recurrence` trigger has none.
 */

export type Status = "Succeeded" | "Failed" | "Skipped" | "TimedOut";

export interface ConnectorCall {
  connection: string;
  operationId: string;
  parameters: Record<string, unknown>;
}

/** What the test's stand-in for a connector or an HTTP endpoint answers: an HTTP status and body. */
export type ConnectorAnswer = { statusCode: number; body?: unknown };

/** An HTTP action's request as the flow builds it; `authentication` is passed on as written (absent means none). */
export interface HttpCall {
  method: string;
  uri: string;
  headers: Record<string, string>;
  body: unknown;
  authentication?: unknown;
}

/** What a run meets: its parameters, the trigger's body, and the test's stand-ins for connectors, HTTP and time. */
export interface FlowEnvironment {
  parameters: Record<string, unknown>;
  triggerBody?: unknown;
  connector(call: ConnectorCall): ConnectorAnswer | Promise<ConnectorAnswer>;
  http?(call: HttpCall): Promise<ConnectorAnswer>;
  wait?(milliseconds: number): void;
}

export interface RunResult {
  status: "Succeeded" | "Failed" | "Cancelled";
  error?: { code: string; message: string };
  calls: ConnectorCall[];
  httpCalls: HttpCall[];
  /** Each Wait's interval in milliseconds, in order. */
  waits: number[];
  variables: Record<string, unknown>;
}

interface Action {
  type: string;
  runAfter?: Record<string, Status[]>;
  inputs?: Record<string, unknown>;
  expression?: unknown;
  actions?: Record<string, Action>;
  else?: { actions?: Record<string, Action> };
  limit?: { count?: number };
}

interface Trigger {
  type: string;
  inputs?: { schema?: { required?: string[] } };
}

class Terminated extends Error {
  constructor(readonly runStatus: RunResult["status"], readonly runError?: { code: string; message: string }) {
    super("terminated");
  }
}

const defaultRetries = 4;
const intervalUnits: Record<string, number> = { Second: 1000, Minute: 60_000, Hour: 3_600_000, Day: 86_400_000 };

export async function runFlow(
  flow: { properties: { definition: { triggers: Record<string, Trigger>; actions: Record<string, Action> } } },
  environment: FlowEnvironment,
): Promise<RunResult> {
  const { parameters } = environment;
  checkTrigger(flow.properties.definition.triggers, environment.triggerBody);
  const calls: ConnectorCall[] = [];
  const httpCalls: HttpCall[] = [];
  const waits: number[] = [];
  const variables: Record<string, unknown> = {};
  const results = new Map<string, { status: Status; outputs?: ConnectorAnswer }>();

  const evaluate = (value: unknown): unknown => {
    if (typeof value === "string") return evaluateString(value, context);
    if (Array.isArray(value)) return value.map(evaluate);
    if (value !== null && typeof value === "object") return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, evaluate(v)]));
    return value;
  };
  const context: ExpressionContext = {
    parameters: (name) => {
      if (!(name in parameters)) throw new Error(`flow reads an unknown parameter '${name}'`);
      return parameters[name];
    },
    variables: (name) => {
      if (!(name in variables)) throw new Error(`flow reads variable '${name}' before initialising it`);
      return variables[name];
    },
    outputs: (name) => results.get(name)?.outputs ?? null,
    body: (name) => results.get(name)?.outputs?.body ?? null,
    triggerBody: () => environment.triggerBody ?? null,
  };

  const condition = (expression: unknown): boolean => {
    if (typeof expression === "string") return evaluate(expression) === true;
    const node = expression as Record<string, unknown>;
    if ("and" in node) return (node.and as unknown[]).every(condition);
    if ("or" in node) return (node.or as unknown[]).some(condition);
    if ("not" in node) return !condition(node.not);
    if ("equals" in node) {
      const [a, b] = (node.equals as unknown[]).map(evaluate);
      return a === b;
    }
    throw new Error(`condition not supported by the test runner: ${JSON.stringify(expression)}`);
  };

  /** Sends a request, retried as the default policy retries unless the action says `retryPolicy: none`. */
  const withRetries = async (inputs: Record<string, unknown>, send: () => ConnectorAnswer | Promise<ConnectorAnswer>): Promise<ConnectorAnswer> => {
    const retries = (inputs.retryPolicy as { type?: string } | undefined)?.type === "none" ? 0 : defaultRetries;
    for (let attempt = 0; ; attempt++) {
      const answer = await send();
      const retryable = answer.statusCode === 408 || answer.statusCode === 429 || answer.statusCode >= 500;
      if (!retryable || attempt >= retries) return answer;
    }
  };

  const runScope = async (actions: Record<string, Action>): Promise<Status> => {
    const pending = new Map(Object.entries(actions));
    const statuses = new Map<string, Status>();
    while (pending.size > 0) {
      const ready = [...pending].find(([, a]) => Object.keys(a.runAfter ?? {}).every((p) => statuses.has(p)));
      if (ready === undefined) throw new Error(`runAfter names actions that never run: ${[...pending.keys()].join(", ")}`);
      const [name, action] = ready;
      pending.delete(name);
      const allowed = Object.entries(action.runAfter ?? {}).every(([p, wanted]) => wanted.includes(statuses.get(p)!));
      const status = allowed ? await runAction(name, action) : "Skipped";
      statuses.set(name, status);
      results.set(name, { ...results.get(name), status });
    }
    return [...statuses.values()].includes("Failed") ? "Failed" : "Succeeded";
  };

  const runAction = async (name: string, action: Action): Promise<Status> => {
    const inputs = action.inputs ?? {};
    switch (action.type) {
      case "InitializeVariable": {
        for (const v of inputs.variables as { name: string; value: unknown }[]) variables[v.name] = evaluate(v.value);
        return "Succeeded";
      }
      case "SetVariable": {
        const variable = inputs.name as string;
        if (!(variable in variables)) throw new Error(`SetVariable ${name}: variable '${variable}' was never initialised`);
        variables[variable] = evaluate(inputs.value);
        return "Succeeded";
      }
      case "OpenApiConnection": {
        const host = inputs.host as { connectionName: string; operationId: string };
        const call = { connection: host.connectionName, operationId: host.operationId, parameters: evaluate(inputs.parameters ?? {}) as Record<string, unknown> };
        const answer = await withRetries(inputs, () => {
          calls.push(call);
          return environment.connector(call);
        });
        results.set(name, { status: "Succeeded", outputs: answer });
        return answer.statusCode < 400 ? "Succeeded" : "Failed";
      }
      case "Http": {
        if (environment.http === undefined) throw new Error(`HTTP action ${name}: the test gave the runner no HTTP stand-in`);
        const known = new Set(["method", "uri", "headers", "body", "authentication", "retryPolicy"]);
        const unknown = Object.keys(inputs).filter((k) => !known.has(k));
        if (unknown.length > 0) throw new Error(`HTTP action ${name}: inputs ${unknown.join(", ")} are not supported by the test runner`);
        const call: HttpCall = {
          method: String(evaluate(inputs.method)),
          uri: String(evaluate(inputs.uri)),
          headers: (evaluate(inputs.headers ?? {}) as Record<string, string>),
          body: evaluate(inputs.body),
          ...("authentication" in inputs ? { authentication: evaluate(inputs.authentication) } : {}),
        };
        const answer = await withRetries(inputs, () => {
          httpCalls.push(call);
          return environment.http!(call);
        });
        results.set(name, { status: "Succeeded", outputs: answer });
        return answer.statusCode < 400 ? "Succeeded" : "Failed";
      }
      case "Wait": {
        const interval = inputs.interval as { count: number; unit: string } | undefined;
        const unit = interval === undefined ? undefined : intervalUnits[interval.unit];
        if (interval === undefined || unit === undefined) throw new Error(`Wait ${name}: only an interval in ${Object.keys(intervalUnits).join(", ")} is supported by the test runner`);
        waits.push(interval.count * unit);
        environment.wait?.(interval.count * unit);
        return "Succeeded";
      }
      case "If":
        return runScope(condition(action.expression) ? (action.actions ?? {}) : (action.else?.actions ?? {}));
      case "Until": {
        let status: Status = "Succeeded";
        for (let i = 0; i < (action.limit?.count ?? 60); i++) {
          status = await runScope(action.actions ?? {});
          if (condition(action.expression)) break;
        }
        return status;
      }
      case "Terminate": {
        const runError = inputs.runError === undefined ? undefined : (evaluate(inputs.runError) as { code: string; message: string });
        throw new Terminated(inputs.runStatus as RunResult["status"], runError);
      }
      default:
        throw new Error(`action type ${action.type} (${name}) is not supported by the test runner`);
    }
  };

  try {
    const status = await runScope(flow.properties.definition.actions);
    return { status: status === "Failed" ? "Failed" : "Succeeded", calls, httpCalls, waits, variables };
  } catch (err) {
    if (err instanceof Terminated) return { status: err.runStatus, error: err.runError, calls, httpCalls, waits, variables };
    throw err;
  }
}

/** One trigger; a manual (`Request`) trigger gets a body with its required inputs, a `Recurrence` none. */
function checkTrigger(triggers: Record<string, Trigger>, body: unknown): void {
  const [trigger, ...others] = Object.values(triggers);
  if (trigger === undefined || others.length > 0) throw new Error("a flow has exactly one trigger");
  if (trigger.type === "Recurrence") {
    if (body !== undefined) throw new Error("a Recurrence trigger has no body");
    return;
  }
  if (trigger.type !== "Request") throw new Error(`trigger type ${trigger.type} is not supported by the test runner`);
  const missing = (trigger.inputs?.schema?.required ?? []).filter((key) => (body as Record<string, unknown> | undefined)?.[key] === undefined);
  if (missing.length > 0) throw new Error(`the trigger's body lacks the required inputs ${missing.join(", ")}`);
}

interface ExpressionContext {
  parameters(name: string): unknown;
  variables(name: string): unknown;
  outputs(name: string): unknown;
  body(name: string): unknown;
  triggerBody(): unknown;
}

/** `@expr` is a value; any other text may embed `@{expr}`, and `@@` is a literal `@`. */
function evaluateString(text: string, context: ExpressionContext): unknown {
  if (text.startsWith("@@")) return text.slice(1);
  if (text.startsWith("@") && !text.startsWith("@{")) return evaluateExpression(text.slice(1), context);
  let out = "";
  let at = 0;
  for (let start = text.indexOf("@{"); start >= 0; start = text.indexOf("@{", at)) {
    out += text.slice(at, start);
    // The expression ends at the first } outside a 'string'.
    let end = start + 2;
    for (let quoted = false; end < text.length && (quoted || text[end] !== "}"); end++) if (text[end] === "'") quoted = !quoted;
    if (end >= text.length) throw new Error(`unterminated @{ in "${text}"`);
    out += stringify(evaluateExpression(text.slice(start + 2, end), context));
    at = end + 1;
  }
  return out + text.slice(at);
}

function stringify(value: unknown): string {
  if (value === null || value === undefined) return "";
  return typeof value === "string" ? value : JSON.stringify(value);
}

/** Workflow expressions: function calls, 'strings' (with '' escaping), numbers, true/false/null, and ?['x'] / ['x'] access. */
function evaluateExpression(source: string, context: ExpressionContext): unknown {
  let at = 0;
  const fail = (what: string): never => {
    throw new Error(`expression "${source}" at ${at}: ${what}`);
  };
  const space = () => {
    while (source[at] === " ") at++;
  };
  const value = (): unknown => {
    space();
    let result: unknown;
    if (source[at] === "'") {
      let text = "";
      at++;
      for (;;) {
        if (at >= source.length) fail("unterminated string");
        if (source[at] === "'" && source[at + 1] === "'") {
          text += "'";
          at += 2;
        } else if (source[at] === "'") {
          at++;
          break;
        } else text += source[at++];
      }
      result = text;
    } else {
      const word = /^[A-Za-z_][A-Za-z0-9_]*|^-?\d+(\.\d+)?/.exec(source.slice(at))?.[0] ?? fail("expected a value");
      at += word.length;
      if (/^-?\d/.test(word)) result = Number(word);
      else if (word === "true" || word === "false") result = word === "true";
      else if (word === "null") result = null;
      else {
        space();
        if (source[at] !== "(") fail(`expected ( after ${word}`);
        at++;
        const args: unknown[] = [];
        space();
        while (source[at] !== ")") {
          args.push(value());
          space();
          if (source[at] === ",") at++;
          else if (source[at] !== ")") fail("expected , or )");
        }
        at++;
        result = call(word, args);
      }
    }
    for (;;) {
      space();
      const optional = source[at] === "?";
      if (source[at + (optional ? 1 : 0)] !== "[") return result;
      at += optional ? 2 : 1;
      const key = value();
      space();
      if (source[at] !== "]") fail("expected ]");
      at++;
      if (result === null || result === undefined) {
        if (!optional) fail(`cannot read [${String(key)}] of null`);
        result = null;
      } else result = (result as Record<string, unknown>)[String(key)] ?? null;
    }
  };
  const call = (name: string, args: unknown[]): unknown => {
    const text = (i: number) => {
      if (typeof args[i] !== "string") fail(`${name}: argument ${i + 1} is not a string`);
      return args[i] as string;
    };
    switch (name) {
      case "parameters":
        return context.parameters(text(0));
      case "variables":
        return context.variables(text(0));
      case "outputs":
        return context.outputs(text(0));
      case "body":
        return context.body(text(0));
      case "triggerBody":
        return context.triggerBody();
      case "equals":
        return args[0] === args[1];
      case "or":
        return args.some((a) => a === true);
      case "not":
        return args[0] !== true;
      case "concat":
        return args.map(stringify).join("");
      case "guid":
        return randomUUID();
      case "json":
        return JSON.parse(text(0)) as unknown;
      case "base64ToBinary":
        return Buffer.from(text(0), "base64");
      case "coalesce":
        return args.find((a) => a !== null && a !== undefined) ?? null;
      case "substring": {
        const start = args[1] as number;
        return text(0).substring(start, args[2] === undefined ? undefined : start + (args[2] as number));
      }
      case "uriPathAndQuery": {
        const url = new URL(text(0));
        return `${url.pathname}${url.search}`;
      }
      default:
        return fail(`function ${name}() is not supported by the test runner`);
    }
  };
  const result = value();
  space();
  if (at !== source.length) fail("unexpected text after the expression");
  return result;
}
