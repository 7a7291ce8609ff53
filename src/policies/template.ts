import type { RequestDraft, ResponseDraft } from "./message.ts";

/** Where in the pipeline a policy instance runs (`x-ms-apimTemplate-policySection`). */
export type PolicySection = "Request" | "Response";

/** Values a connection holds, by connection parameter name (`token`, `token:resourceUri`, `api_key`, …). */
export type ConnectionValues = Readonly<Record<string, string>>;

/** One entry of `policyTemplateInstances`, read and checked (see `readPolicyInstances`). */
export interface PolicyInstance {
  /** The template id as written (`SetHeader`); lookups fold case. */
  readonly templateId: string;
  readonly title: string | undefined;
  /** Position in `policyTemplateInstances`, for messages and for JSON pointers into apiProperties.json. */
  readonly index: number;
  /** `Request` or `Response` (case as the platform writes it), or whatever else the file says, such as `Failure`. */
  readonly section: PolicySection | (string & {});
  /** `x-ms-apimTemplate-operationName`; empty means every operation. */
  readonly operations: readonly string[];
  /** `x-ms-apimTemplateParameter.<name>` values, keyed by `<name>`. */
  readonly parameters: Readonly<Record<string, unknown>>;
}

/** What a policy may read besides the message it transforms. */
export interface PolicyContext {
  readonly operationId: string;
  readonly connection: ConnectionValues;
}

export interface ResponsePolicyContext extends PolicyContext {
  /** The request as it was sent (after the Request-section policies). */
  readonly request: RequestDraft;
}

/**
 * A codeless policy template, as the gateway runs it. A template implements the sections the platform
 * offers it in; an instance asking for another section is refused.
 */
export interface PolicyTemplate {
  /** Lower-case template id (`setheader`). */
  readonly id: string;
  onRequest?(request: RequestDraft, parameters: TemplateParameters, context: PolicyContext): RequestDraft;
  onResponse?(response: ResponseDraft, parameters: TemplateParameters, context: ResponsePolicyContext): ResponseDraft;
}

/** Template parameter values by name; the registry's required parameters (src/connector) are checked present before a template runs. */
export type TemplateParameters = Readonly<Record<string, unknown>>;

/**
 * A policy or expression that cannot be evaluated. `unsupported` marks what the real platform may accept
 * but this gateway does not implement, as opposed to what is wrong in the instance or the inputs.
 * The gateway adds the template, instance and operation to the message.
 */
export class PolicyError extends Error {
  readonly unsupported: boolean;
  constructor(message: string, options: { unsupported?: boolean } = {}) {
    super(message);
    this.name = "PolicyError";
    this.unsupported = options.unsupported ?? false;
  }
}

/** A template parameter that must be text (names, values, templates); numbers and booleans are written as text. */
export function textParameter(parameters: TemplateParameters, name: string): string {
  const value = parameters[name];
  if (typeof value === "string") return value;
  if (typeof value === "number" || typeof value === "boolean") return String(value);
  throw new PolicyError(`template parameter '${name}' must be a string, found ${value === null ? "null" : typeof value}`);
}

/** `existsAction` of setheader and setqueryparameter; the documented default is `override`. */
export function existsActionParameter(parameters: TemplateParameters): "override" | "skip" | "append" {
  const value = parameters["existsAction"] ?? "override";
  if (value === "override" || value === "skip" || value === "append") return value;
  throw new PolicyError(`template parameter 'existsAction' must be override, skip or append, found ${JSON.stringify(value)}`);
}
