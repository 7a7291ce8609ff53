/**
 * The one model of a connector package that `spec` produces and everything else reads: the validator (as a
 * tolerant reader that reports findings), the gateway (which refuses what it cannot run), the solution
 * packer and the sample flow. Package files, local `$ref`s, operations with their parameters and responses,
 * connection parameters and policy instances, the policy-template registry, and case-folded `x-ms-*` reads.
 */
export { entriesOf, isObject, itemsOf, stringsOf, type JsonObject } from "./json.ts";
export { dereference, refsIn, resolveLocal, type Dereferenced } from "./refs.ts";
export {
  httpMethods,
  isHttpMethod,
  operationIdOf,
  operationLabel,
  operationsOf,
  parameterListOf,
  parametersOf,
  responsesOf,
  type HttpMethod,
  type OperationEntry,
  type ParameterEntry,
  type ResponseEntry,
} from "./operations.ts";
export { nodesOf, nodesOfKind, type DefinitionNode, type NodeKind } from "./nodes.ts";
export { connectionParametersOf, policyInstancesOf } from "./properties.ts";
export { extensionText, isInternal } from "./extensions.ts";
export {
  knownPolicyTemplateIds,
  operationScopeKey,
  policySectionKey,
  policyTemplateInfo,
  templateParameterPrefix,
  type PolicyTemplateInfo,
} from "./policy-templates.ts";
export {
  definitionFile,
  packageFileNames,
  propertiesFile,
  readPackageDocuments,
  readPackageFiles,
  type ConnectorPackage,
  type PackageDocuments,
  type PackageFileName,
} from "./package.ts";
