/** A loopback HTTP server standing in for an F&O environment: it records each request and answers from a route table. */
import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";

export interface ReceivedRequest {
  method: string;
  /** Path and query exactly as they arrived. */
  url: string;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

export interface Answer {
  status: number;
  headers?: Record<string, string>;
  body?: string | Uint8Array;
}

export interface Environment {
  /** `http://127.0.0.1:<port>`, the connection's environment URL. */
  url: string;
  received: ReceivedRequest[];
  /** Sets the answer for `METHOD /path` (path without query). */
  answer(route: string, answer: Answer): void;
  close(): Promise<void>;
}

export async function startEnvironment(): Promise<Environment> {
  const answers = new Map<string, Answer>();
  const received: ReceivedRequest[] = [];
  const server: Server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => {
      const url = request.url ?? "/";
      received.push({ method: request.method ?? "", url, headers: request.headers, body: Buffer.concat(chunks) });
      const answer = answers.get(`${request.method} ${url.split("?")[0]}`) ?? { status: 404, body: '{"error":{"code":"","message":"no route in the test server"}}' };
      response.writeHead(answer.status, answer.headers ?? {});
      response.end(answer.body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    received,
    answer: (route, answer) => answers.set(route, answer),
    close: () => new Promise((resolve, reject) => server.close((err) => (err ? reject(err) : resolve()))),
  };
}
