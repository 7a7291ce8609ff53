export { FnoClient, normaliseLocation, parseMessageId } from "./client.ts";
export type { CallOptions, DequeueMessage, DequeueResult, EnqueueOptions, ExecutionErrors, FnoClientOptions, PackageAvailability, PackageDownload } from "./client.ts";
export { FnoError, hintFor, parseErrorBody } from "./errors.ts";
export { LoopbackClientSecretCredential } from "./loopback-credential.ts";
export { messageStatusPhase, emptyGuid, type StatusPhase } from "./status.ts";
export { defaultRetryOptions, parseRetryAfter, sleep, type RetryOptions } from "./retry.ts";
export type { RetryEvent, RetryMode } from "./transport.ts";
