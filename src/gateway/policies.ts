/**
 * Reads `policyTemplateInstances` from apiProperties.json and runs them over a request or a response,
 * in array order, for the operations each instance is scoped to.
 */
import type { RequestDraft, ResponseDraft } from "../policies/message.ts";
import { findPolicyTemplate } from "../policies/index.ts";
import {
  PolicyError,
  type ConnectionValues,
  type PolicyInstance,
  type PolicySection,
  type PolicyTemplate,
  type TemplateParameters,
} from "../policies/template.ts";
import { isObject, operationScopeKey, policyInstancesOf, policySectionKey, policyTemplateInfo, templateParameterPrefix } from "../connector/index.ts";
import { GatewayError } from "./errors.ts";
import { propertiesFile } from "./package.ts";

const sections: readonly PolicySection[] = ["Request", "Response"];
const instancesPointer = "/properties/policyTemplateInstances";

/** The instances of apiProperties.json (read through the model), checked for shape; an instance's section defaults to Request. */
export function readPolicyInstances(properties: Record<string, unknown>): PolicyInstance[] {
  const inner = properties["properties"];
  const list = isObject(inner) ? inner["policyTemplateInstances"] : undefined;
  if (list !== undefined && !Array.isArray(list)) throw new GatewayError("package", `${propertiesFile}#${instancesPointer}: expected an array`);
  return policyInstancesOf(properties).map(({ pointer, instance }, index) => {
    const where = `${propertiesFile}#${pointer}`;
    if (!isObject(instance)) throw new GatewayError("package", `${where}: expected an object`);
    const { templateId, title, parameters = {} } = instance;
    if (typeof templateId !== "string" || templateId === "") throw new GatewayError("package", `${where}: templateId is missing`);
    if (!isObject(parameters)) throw new GatewayError("package", `${where}: parameters must be an object`);
    const section = parameters[policySectionKey] ?? "Request";
    const scope = parameters[operationScopeKey] ?? [];
    return {
      templateId,
      title: typeof title === "string" ? title : undefined,
      index,
      section: sections.find((known) => known.toLowerCase() === String(section).toLowerCase()) ?? String(section),
      operations: (Array.isArray(scope) ? scope : [scope]).map(String),
      parameters: Object.fromEntries(
        Object.entries(parameters)
          .filter(([key]) => key.startsWith(templateParameterPrefix))
          .map(([key, value]) => [key.slice(templateParameterPrefix.length), value]),
      ),
    };
  });
}

/** The instances that apply to an operation: an empty scope means every operation. */
export function instancesFor(instances: readonly PolicyInstance[], operationId: string): PolicyInstance[] {
  return instances.filter((instance) => instance.operations.length === 0 || instance.operations.includes(operationId));
}

/**
 * Refuses up front an operation that any unsupported instance applies to, whatever its section:
 * sending the request without it would not be what the platform sends.
 */
export function requireSupported(instances: readonly PolicyInstance[], operationId: string): void {
  for (const instance of instances) {
    if (!findPolicyTemplate(instance.templateId)) {
      throw unsupportedTemplate(instance, operationId);
    }
    if (!sections.some((known) => known === instance.section)) {
      throw new GatewayError(
        "unsupported",
        `policy section '${instance.section}' of ${describe(instance)} is not supported by the gateway yet (operation ${operationId})`,
        operationId,
      );
    }
  }
}

export function applyRequestPolicies(
  instances: readonly PolicyInstance[],
  operationId: string,
  request: RequestDraft,
  connection: ConnectionValues,
): RequestDraft {
  return instances
    .filter((instance) => instance.section === "Request")
    .reduce((draft, instance) => run(instance, operationId, (template, parameters) => {
      if (!template.onRequest) throw notInSection(instance, operationId);
      return template.onRequest(draft, parameters, { operationId, connection });
    }), request);
}

export function applyResponsePolicies(
  instances: readonly PolicyInstance[],
  operationId: string,
  response: ResponseDraft,
  context: { connection: ConnectionValues; request: RequestDraft },
): ResponseDraft {
  return instances
    .filter((instance) => instance.section === "Response")
    .reduce((draft, instance) => run(instance, operationId, (template, parameters) => {
      if (!template.onResponse) throw notInSection(instance, operationId);
      return template.onResponse(draft, parameters, { operationId, ...context });
    }), response);
}

function unsupportedTemplate(instance: PolicyInstance, operationId: string): GatewayError {
  return new GatewayError("unsupported", `policy template '${instance.templateId}' is not supported by the gateway yet (operation ${operationId})`, operationId);
}

/** Runs one instance, turning its failures into errors that name the template, the instance and the operation. */
function run<T>(instance: PolicyInstance, operationId: string, apply: (template: PolicyTemplate, parameters: TemplateParameters) => T): T {
  const template = findPolicyTemplate(instance.templateId);
  if (!template) throw unsupportedTemplate(instance, operationId);
  const required = policyTemplateInfo(template.id)?.requiredParameters ?? [];
  const missing = required.filter((name) => instance.parameters[name] === undefined);
  if (missing.length > 0) {
    throw new GatewayError("policy", `${describe(instance)} (operation ${operationId}): missing ${missing.map((name) => templateParameterPrefix + name).join(", ")}`, operationId);
  }
  try {
    return apply(template, instance.parameters);
  } catch (err) {
    if (!(err instanceof PolicyError)) throw err;
    throw new GatewayError(err.unsupported ? "unsupported" : "policy", `${describe(instance)} (operation ${operationId}): ${err.message}`, operationId);
  }
}

function notInSection(instance: PolicyInstance, operationId: string): GatewayError {
  return new GatewayError("unsupported", `${describe(instance)} cannot run in the ${instance.section} section (operation ${operationId})`, operationId);
}

function describe(instance: PolicyInstance): string {
  const title = instance.title ? ` "${instance.title}"` : "";
  return `policy template '${instance.templateId}'${title} (${propertiesFile}#${instancesPointer}/${instance.index})`;
}
