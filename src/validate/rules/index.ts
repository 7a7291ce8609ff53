import type { Rule } from "../rule.ts";
import { swaggerSchema } from "./swagger-schema.ts";
import { documentStructure } from "./document-structure.ts";
import { duplicateKey } from "./duplicate-key.ts";
import { pathSyntax } from "./path-syntax.ts";
import { hostBasePath } from "./host-base-path.ts";
import { refLocal } from "./ref-local.ts";
import { refResolves } from "./ref-resolves.ts";
import { operationIdPresent } from "./operation-id-present.ts";
import { operationIdUnique } from "./operation-id-unique.ts";
import { pathParamsDeclared } from "./path-params-declared.ts";
import { bodyParameterSingle } from "./body-parameter-single.ts";
import { bodyAndFormData } from "./body-and-form-data.ts";
import { getWithoutBody } from "./get-without-body.ts";
import { securityDefined } from "./security-defined.ts";
import { operationSuccessResponse } from "./operation-success-response.ts";
import { xMsExtensionPlacement } from "./x-ms-extension-placement.ts";
import { xMsVisibilityValue } from "./x-ms-visibility-value.ts";
import { xMsUrlEncodingValue } from "./x-ms-url-encoding-value.ts";
import { xMsTriggerType } from "./x-ms-trigger-type.ts";
import { internalRequiredDefault } from "./internal-required-default.ts";
import { operationIdSanitized } from "./operation-id-sanitized.ts";
import { operationSummary } from "./operation-summary.ts";
import { operationSummaryLength } from "./operation-summary-length.ts";
import { operationSummaryCharacters } from "./operation-summary-characters.ts";
import { summaryNotDescription } from "./summary-not-description.ts";
import { parameterLabels } from "./parameter-labels.ts";
import { parameterNameReserved } from "./parameter-name-reserved.ts";
import { successResponseSchema } from "./success-response-schema.ts";
import { infoTitleLength } from "./info-title-length.ts";
import { definitionSize } from "./definition-size.ts";
import { operationCount } from "./operation-count.ts";
import { connectionParameterName } from "./connection-parameter-name.ts";
import { connectionParameterType } from "./connection-parameter-type.ts";
import { connectionParameterConstraints } from "./connection-parameter-constraints.ts";
import { tenantIdCompanion } from "./tenant-id-companion.ts";
import { oauthIdentityProvider } from "./oauth-identity-provider.ts";
import { policyTemplateKnown } from "./policy-template-known.ts";
import { policyTemplateParameters } from "./policy-template-parameters.ts";
import { policyTemplateOperations } from "./policy-template-operations.ts";
import { policyConnectionParameter } from "./policy-connection-parameter.ts";
import { policyUrlParameter } from "./policy-url-parameter.ts";

/**
 * Every rule, in three layers: how the files read (the skeleton Power Platform needs, repeated keys, the official
 * Swagger 2.0 schema as advice); OpenAPI semantics the schema cannot express; Power Platform's own rules
 * (docs/rules.md gives each rule's evidence). Findings on one line keep this order.
 */
export const rules: readonly Rule[] = [
  documentStructure,
  duplicateKey,
  swaggerSchema,
  pathSyntax,
  hostBasePath,

  refLocal,
  refResolves,
  operationIdPresent,
  operationIdUnique,
  pathParamsDeclared,
  bodyParameterSingle,
  bodyAndFormData,
  getWithoutBody,
  securityDefined,
  operationSuccessResponse,

  xMsExtensionPlacement,
  xMsVisibilityValue,
  xMsUrlEncodingValue,
  xMsTriggerType,
  internalRequiredDefault,
  operationIdSanitized,
  operationSummary,
  operationSummaryLength,
  operationSummaryCharacters,
  summaryNotDescription,
  parameterLabels,
  parameterNameReserved,
  successResponseSchema,
  infoTitleLength,
  definitionSize,
  operationCount,
  connectionParameterName,
  connectionParameterType,
  connectionParameterConstraints,
  tenantIdCompanion,
  oauthIdentityProvider,
  policyTemplateKnown,
  policyTemplateParameters,
  policyTemplateOperations,
  policyConnectionParameter,
  policyUrlParameter,
];
