/**
 * The connector gateway: runs one operation of a compiled connector package the way the Power Platform
 * runtime would (host, path, query, headers, body, connection credentials, policy templates), then checks
 * the answer against the declared response schema. docs/platform-assumptions.md lists what that rests on.
 */
export { loadPackage, definitionFile, propertiesFile, type ConnectorPackage } from "./package.ts";
export { listOperations, findOperation, type Operation, type OperationParameter, type ParameterLocation } from "./operation.ts";
export { buildRequest, prepareRequest, type OperationInputs, type HttpRequest, type HttpBody, type PreparedRequest } from "./request.ts";
export { invoke, type InvokeOptions, type InvokeResult } from "./invoke.ts";
export { GatewayError, ResponseError, type GatewayErrorKind, type ResponseErrorKind } from "./errors.ts";
export { parameterValuesFromText, splitAssignment } from "./inputs.ts";
export type { ParameterValues } from "./parameters.ts";
export type { ConnectionValues } from "../policies/template.ts";
