/** Every endpoint the simulator serves, by the name used in counters, fault rules and the throttle. */
export const endpointNames = [
  "token",
  "dequeue",
  "download",
  "ack",
  "enqueue",
  "getMessageStatus",
  "getExecutionIdByMessageId",
  "getExecutionSummaryStatus",
  "getExecutionErrors",
  "getAzureWriteUrl",
  "importFromPackage",
  "importFromPackageAsync",
  "exportToPackage",
  "exportToPackageAsync",
  "getExportedPackageUrl",
  "generateImportTargetErrorKeysFile",
  "getImportTargetErrorKeysFileUrl",
  "getImportStagingErrorFileUrl",
  "getExecutionSummaryPageUrl",
  "blobPut",
  "blobPutBlock",
  "blobPutBlockList",
  "blobGet",
] as const;

export type EndpointName = (typeof endpointNames)[number];

/** The blob store's endpoints: on their own origin, authorized by the SAS in the URL, never by a bearer token. */
export const blobEndpoints: readonly EndpointName[] = ["blobPut", "blobPutBlock", "blobPutBlockList", "blobGet"];

/** The F&O endpoints (neither the token endpoint nor the blob store): they need a bearer token and can be throttled. */
export const environmentEndpoints: readonly EndpointName[] = endpointNames.filter((name) => name !== "token" && !blobEndpoints.includes(name));
