/**
 * The policy templates Power Platform runs, by lower-case templateId (the platform accepts case variants such
 * as "SetProperty"): the `x-ms-apimTemplateParameter.*` parameters each cannot work without. One registry for
 * the validator and the gateway (whose implementations in src/policies take their required parameters from
 * here). Sources: the learn.microsoft.com template pages, Microsoft's apiProperties schema and the parameters every
 * instance in the certified-connector corpus carries (docs/rules.md, "policy-template-known" and
 * "policy-template-parameters"; case: docs/platform-assumptions.md, "Policy templates (gateway)").
 */
export interface PolicyTemplateInfo {
  readonly id: string;
  readonly requiredParameters: readonly string[];
}

const registry: readonly PolicyTemplateInfo[] = [
  { id: "dynamichosturl", requiredParameters: ["urlTemplate"] },
  { id: "dynamicsubdomain", requiredParameters: ["urlTemplate"] },
  { id: "routerequesttoendpoint", requiredParameters: ["newPath"] },
  { id: "setheader", requiredParameters: ["name", "value"] },
  { id: "setqueryparameter", requiredParameters: ["name", "value"] },
  { id: "setproperty", requiredParameters: ["newPropertyParentPathTemplate", "newPropertySubPathTemplate", "propertyValuePathTemplate"] },
  { id: "setvaluefromurl", requiredParameters: ["parameterTemplate", "parameterValueUrl", "parameterValuePathTemplate"] },
  { id: "convertarraytoobject", requiredParameters: ["propertyParentPath", "keyWithinCollectionPath", "newPropertyPath"] },
  { id: "convertobjecttoarray", requiredParameters: ["propertyParentPath", "newPropertyPath"] },
  { id: "stringtoarray", requiredParameters: ["propertyParentPath", "delimiterList", "childPropertyName", "newPropertyPath"] },
  { id: "stringreplace", requiredParameters: ["propertyParentPath", "sourceString", "replacementString"] },
  { id: "encodepropertyvalue", requiredParameters: ["propertyParentPath"] },
  { id: "moveproperties", requiredParameters: ["srcParentPath", "dstParentPath"] },
  { id: "pollingtrigger", requiredParameters: ["triggerConfig", "triggerDataPath"] },
  { id: "setconnectionstatustounauthenticated", requiredParameters: ["statusCode"] },
  { id: "updatenextlink", requiredParameters: ["nextLinkPropertyName"] },
];

const byId: ReadonlyMap<string, PolicyTemplateInfo> = new Map(registry.map((info) => [info.id, info]));

/** The template a templateId names, whatever its case; undefined for an id the platform does not know. */
export function policyTemplateInfo(templateId: string): PolicyTemplateInfo | undefined {
  return byId.get(templateId.toLowerCase());
}

export const knownPolicyTemplateIds: readonly string[] = registry.map((info) => info.id);

export const templateParameterPrefix = "x-ms-apimTemplateParameter.";
export const operationScopeKey = "x-ms-apimTemplate-operationName";
export const policySectionKey = "x-ms-apimTemplate-policySection";
