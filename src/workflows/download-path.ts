/**
 * The connector's Download input for a Dequeue message: the path and query of its Download location
 * without the leading slash. It is what the sample flow's expression
 * `substring(uriPathAndQuery(<Download location>), 1)` gives, so code that drives the compiled connector
 * (the demo, the harness) passes exactly what a flow would. The host is never part of it: the connector
 * takes the host from the connection.
 */
export function downloadPathOf(location: string): string {
  const url = new URL(location);
  return `${url.pathname}${url.search}`.slice(1);
}
