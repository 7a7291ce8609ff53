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
] as const;

export type EndpointName = (typeof endpointNames)[number];

/** The F&O endpoints (everything but the token endpoint): they need a bearer token and can be throttled. */
export const environmentEndpoints: readonly EndpointName[] = endpointNames.filter((name) => name !== "token");
