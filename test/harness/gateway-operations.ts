import { invoke, type ConnectorPackage } from "../../src/gateway/index.ts";
import { downloadPathOf } from "../../src/workflows/download-path.ts";
import type { Operations } from "./scenarios.ts";

/**
 * The scenarios' operations through the compiled connector: each call is `invoke(package, operationId, …)`
 * with the connection a maker would create (environment URL + the token the platform obtained).
 */
export function gatewayOperations(
  pkg: ConnectorPackage,
  connection: { environmentUrl: string; token: string },
  fetch: (request: Request) => Promise<Response>,
): Operations {
  const send: typeof globalThis.fetch = (input, init) => fetch(new Request(input, init));
  const call = async (operationId: string, parameters: Record<string, unknown> = {}) =>
    (
      await invoke(
        pkg,
        operationId,
        { parameters: parameters as never, connection: { token: connection.token, "token:resourceUri": connection.environmentUrl } },
        { fetch: send },
      )
    );
  const value = async (operationId: string, body: Record<string, string>) => ((await call(operationId, { request: body })).outputs as { value: string }).value;
  return {
    dequeue: async (activityId) => {
      const result = await call("Dequeue", { activityId });
      return result.status === 204 ? null : (result.outputs as Record<string, unknown>);
    },
    download: async (location) => Buffer.from((await call("Download", { downloadPath: downloadPathOf(location) })).outputs as Uint8Array),
    acknowledge: async (activityId, message) => {
      await call("Acknowledge", { activityId, message });
    },
    enqueue: async (activityId, content, options) => (await call("Enqueue", { activityId, package: content, ...options })).outputs as string,
    getMessageStatus: (messageId) => value("GetMessageStatus", { messageId }),
    getExecutionIdByMessageId: (messageId) => value("GetExecutionIdByMessageId", { _messageId: messageId }),
    getExecutionSummaryStatus: (executionId) => value("GetExecutionSummaryStatus", { executionId }),
    getExecutionErrors: (executionId) => value("GetExecutionErrors", { executionId }),
  };
}
