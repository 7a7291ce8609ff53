export { FnoClient, normaliseLocation, parseMessageId } from "./client.ts";
export type { AzureWriteUrl, CallOptions, DequeueMessage, DequeueResult, DownloadToOptions, EnqueueOptions, ExecutionErrors, ExportToPackageRequest, FnoClientOptions, ImportFromPackageRequest, PackageAvailability, PackageDownload } from "./client.ts";
export { DownloadIntegrityError, DownloadInterruptedError, type DownloadResult, type DownloadSink } from "./resumable-download.ts";
export { blobOperations, FnoError, hintFor, parseErrorBody } from "./errors.ts";
export { LoopbackClientSecretCredential } from "./loopback-credential.ts";
export { executionStatusPhase, messageStatusPhase, emptyGuid, type ExecutionPhase, type StatusPhase } from "./status.ts";
export { defaultRetryOptions, parseRetryAfter, RetryBudget, sleep, type RetryOptions } from "./retry.ts";
export type { RetryEvent, RetryMode } from "./transport.ts";
