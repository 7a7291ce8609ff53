import type { TokenCredential } from "@azure/core-auth";
import { FnoClient } from "../../src/client/index.ts";
import type { Operations } from "./scenarios.ts";

/** A credential with a fixed token: recordings carry no token traffic. */
export const fixedCredential: TokenCredential = {
  getToken: async () => ({ token: "recorded-token", expiresOnTimestamp: Date.now() + 3_600_000 }),
};

/** The scenarios' operations through the typed client. */
export function clientOperations(client: FnoClient): Operations {
  return {
    dequeue: async (activityId) => {
      const result = await client.dequeue(activityId);
      return result.kind === "empty" ? null : (result.message as Record<string, unknown>);
    },
    download: async (location) => Buffer.from(await new Response((await client.download(location)).body).arrayBuffer()),
    acknowledge: (activityId, message) => client.acknowledge(activityId, message as never),
    enqueue: (activityId, content, options) => client.enqueue(activityId, content, options),
    getMessageStatus: (id) => client.getMessageStatus(id),
    getExecutionIdByMessageId: (id) => client.getExecutionIdByMessageId(id),
    getExecutionSummaryStatus: (id) => client.getExecutionSummaryStatus(id),
    getExecutionErrors: async (id) => (await client.getExecutionErrors(id)).raw,
  };
}

/** One request as the comparison sees it: the parts that decide what F&O does. */
export interface SeenRequest {
  method: string;
  url: string;
  headers: Record<string, string>;
  body: string;
}

/** Headers that change F&O's behaviour; transport details (user-agent, content-length) are left out. */
export const headersThatMatter = ["authorization", "content-type", "accept", "odata-version", "odata-maxversion", "x-ms-dyn-externalidentifier"];

/** Wraps fetch so every request is kept (with its body) before it goes to the HTTP mock. */
export function capturingFetch(seen: SeenRequest[]): (request: Request) => Promise<Response> {
  return async (request) => {
    const body = request.body ? Buffer.from(await request.clone().arrayBuffer()).toString("utf8") : "";
    const headers: Record<string, string> = {};
    for (const name of headersThatMatter) {
      const value = request.headers.get(name);
      if (value !== null) headers[name] = value;
    }
    seen.push({ method: request.method, url: request.url, headers, body });
    return globalThis.fetch(request);
  };
}
