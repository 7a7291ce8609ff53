/**
 * The sources rules cite, once each. Learn pages are the published copies of
 * microsoft/powerplatform-developerhub docs/custom-connectors/*.md; pull requests are public certification reviews
 * in microsoft/PowerPlatformConnectors quoting the gate's own messages.
 */
const learn = "https://learn.microsoft.com/en-us/connectors/custom-connectors/";
const pull = "https://github.com/microsoft/PowerPlatformConnectors/pull/";

export const sources = {
  validatorRules: `${learn}certification-swagger-validator-rules`,
  defineOpenApi: `${learn}define-openapi-definition`,
  faq: `${learn}faq`,
  submission: `${learn}certification-submission`,
  codingStandards: `${learn}coding-standards`,
  extensions: `${learn}openapi-extensions`,
  policyTemplates: `${learn}policy-templates`,
  paconnSchema: "https://github.com/microsoft/PowerPlatformConnectors/blob/dev/schemas/paconn-apiProperties.schema.json",
  definitionSchema: "https://github.com/microsoft/PowerPlatformConnectors/blob/dev/schemas/apiDefinition.swagger.schema.json",
  swagger2: "https://github.com/OAI/OpenAPI-Specification/blob/main/versions/2.0.md",
  newtonsoft: "https://www.newtonsoft.com/json/help/html/T_Newtonsoft_Json_Linq_DuplicatePropertyNameHandling.htm",
  pr: (n: number) => `${pull}${n}`,
} as const;

/** Certified connectors in the shared corpus that a stricter rule would reject, named where a rule is a warning because of them. */
export const corpusNote = "certified connectors in microsoft/PowerPlatformConnectors were merged with it";
