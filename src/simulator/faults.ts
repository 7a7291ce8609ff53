import type { EndpointName } from "./endpoints.ts";
import { SeededRandom, deriveSeed } from "./random.ts";

/** Which requests a rule applies to, and how often it fires. */
export interface FaultSelector {
  /** One endpoint, several, or "*" for all (the token endpoint included). */
  endpoint: EndpointName | EndpointName[] | "*";
  /** Probability that an eligible request gets the fault, drawn from the rule's own seeded stream. Default 1. */
  rate?: number;
  /** Let this many matching requests through untouched first. Default 0. */
  after?: number;
  /** Fire at most this many times. Default: no limit. */
  times?: number;
}

/** Answer with this status instead of serving the request; the request has no effect. */
export interface StatusFault extends FaultSelector {
  kind: "status";
  status: number;
  /** Seconds to announce in `Retry-After`. */
  retryAfter?: number;
  /** How to write `Retry-After`: delta seconds (default) or an HTTP date. */
  retryAfterFormat?: "seconds" | "http-date";
  /** Text of the error body; default: a generic text for the status. */
  message?: string;
}

/**
 * Serve the request (with its effects: an ack still removes the message), then cut the response after
 * `afterBytes` bytes of body: `reset` aborts the connection (TCP RST), `truncate` closes it cleanly
 * with fewer bytes than Content-Length announced.
 */
export interface BodyFault extends FaultSelector {
  kind: "reset" | "truncate";
  afterBytes: number;
}

/** Delay the answer by `ms` milliseconds (real time; a test's virtual clock, its own time). Several firing latency rules add up. */
export interface LatencyFault extends FaultSelector {
  kind: "latency";
  ms: number;
}

export type FaultRule = StatusFault | BodyFault | LatencyFault;

/** What the rules decided for one request. */
export interface FaultDecision {
  latencyMs: number;
  /** The first firing status or body fault, in rule order. */
  outcome: StatusFault | BodyFault | undefined;
}

interface RuleState {
  rule: FaultRule;
  random: SeededRandom;
  matched: number;
  fired: number;
}

/**
 * The configured fault rules with their dice. Each rule draws from its own stream seeded by the run
 * seed and the rule's position, so the n-th request matching a rule gets the same decision in every
 * run with that seed, whatever else the client does.
 */
export class FaultPlan {
  readonly #states: RuleState[];

  constructor(rules: readonly FaultRule[], seed: number) {
    this.#states = rules.map((rule, index) => ({
      rule,
      random: new SeededRandom(deriveSeed(seed, `fault-rule-${index}`)),
      matched: 0,
      fired: 0,
    }));
  }

  decide(endpoint: EndpointName): FaultDecision {
    const decision: FaultDecision = { latencyMs: 0, outcome: undefined };
    for (const state of this.#states) {
      if (!selects(state.rule, endpoint)) continue;
      state.matched++;
      if (state.matched <= (state.rule.after ?? 0)) continue;
      if (state.rule.times !== undefined && state.fired >= state.rule.times) continue;
      // Draw even when a previous rule already decided, so one rule's stream never depends on another's.
      const fires = state.random.next() < (state.rule.rate ?? 1);
      if (!fires) continue;
      if (state.rule.kind === "latency") {
        state.fired++;
        decision.latencyMs += state.rule.ms;
      } else if (decision.outcome === undefined) {
        state.fired++;
        decision.outcome = state.rule;
      }
    }
    return decision;
  }
}

function selects(rule: FaultSelector, endpoint: EndpointName): boolean {
  if (rule.endpoint === "*") return true;
  return Array.isArray(rule.endpoint) ? rule.endpoint.includes(endpoint) : rule.endpoint === endpoint;
}
