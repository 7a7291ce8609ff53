/** The policy templates the gateway runs, by template id. The platform accepts ids in any case (`SetHeader`). */
import { dynamicHostUrl } from "./dynamichosturl.ts";
import { routeRequestToEndpoint } from "./routerequesttoendpoint.ts";
import { setHeader } from "./setheader.ts";
import { setProperty } from "./setproperty.ts";
import { setQueryParameter } from "./setqueryparameter.ts";
import type { PolicyTemplate } from "./template.ts";

const templates: ReadonlyMap<string, PolicyTemplate> = new Map(
  [dynamicHostUrl, setHeader, setQueryParameter, routeRequestToEndpoint, setProperty].map((template) => [template.id, template]),
);

/** The template for an id, whatever its case; undefined when the gateway does not implement it. */
export function findPolicyTemplate(templateId: string): PolicyTemplate | undefined {
  return templates.get(templateId.toLowerCase());
}

export const supportedTemplateIds: readonly string[] = [...templates.keys()];

export type { PolicyTemplate, PolicyInstance, PolicySection, PolicyContext, ResponsePolicyContext, ConnectionValues } from "./template.ts";
export { PolicyError } from "./template.ts";
