/**
 * The policy templates Power Platform runs, by lower-case templateId (the platform accepts case variants such
 * as "SetProperty"), with the `x-ms-apimTemplateParameter.*` parameters each cannot work without.
 * Source: connector-format.md §4.3 (learn.microsoft.com template pages, Microsoft's apiProperties schema) and the
 * parameters every instance in the certified-connector corpus carries.
 */
export const policyTemplates: Record<string, readonly string[]> = {
  dynamichosturl: ["urlTemplate"],
  dynamicsubdomain: ["urlTemplate"],
  routerequesttoendpoint: ["newPath"],
  setheader: ["name", "value"],
  setqueryparameter: ["name", "value"],
  setproperty: ["newPropertyParentPathTemplate", "newPropertySubPathTemplate", "propertyValuePathTemplate"],
  setvaluefromurl: ["parameterTemplate", "parameterValueUrl", "parameterValuePathTemplate"],
  convertarraytoobject: ["propertyParentPath", "keyWithinCollectionPath", "newPropertyPath"],
  convertobjecttoarray: ["propertyParentPath", "newPropertyPath"],
  stringtoarray: ["propertyParentPath", "delimiterList", "childPropertyName", "newPropertyPath"],
  stringreplace: ["propertyParentPath", "sourceString", "replacementString"],
  encodepropertyvalue: ["propertyParentPath"],
  moveproperties: ["srcParentPath", "dstParentPath"],
  pollingtrigger: ["triggerConfig", "triggerDataPath"],
  setconnectionstatustounauthenticated: ["statusCode"],
  updatenextlink: ["nextLinkPropertyName"],
};

export const templateParameterPrefix = "x-ms-apimTemplateParameter.";
export const operationScopeKey = "x-ms-apimTemplate-operationName";
