/** Loopback servers for the DownloadAgent tests, closed (with their connections) after each test. */
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createServer as createHttpServer, type RequestListener } from "node:http";
import { createServer as createNetServer, type AddressInfo, type Server as NetServer, type Socket } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach } from "vitest";
import type { ResponseBody } from "../../src/client/response-body.ts";

export interface LoopbackServers {
  /** Listens on loopback; the server and its connections are closed after the test. */
  listen(server: NetServer, scheme: "http" | "https"): Promise<string>;
  /** A node:http server, and how many connections it accepted. */
  httpServer(handler: RequestListener): Promise<{ url: string; connections: () => number }>;
  /** A server that calls `reply` once per request head received, bytes as written, and counts connections. */
  rawServer(reply: (socket: Socket, connection: number) => void): Promise<{ url: string; connections: () => number }>;
}

/** Call once per test file, at its top level: registers the hook that closes what each test started. */
export function loopbackServers(): LoopbackServers {
  const closers: (() => void)[] = [];
  afterEach(() => {
    for (const close of closers.splice(0)) close();
  });
  const listen = async (server: NetServer, scheme: "http" | "https"): Promise<string> => {
    const sockets = new Set<Socket>();
    server.on(scheme === "https" ? "secureConnection" : "connection", (socket: Socket) => {
      sockets.add(socket);
      socket.on("error", () => undefined);
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    closers.push(() => (server.close(), sockets.forEach((s) => s.destroy())));
    return `${scheme}://127.0.0.1:${(server.address() as AddressInfo).port}`;
  };
  const counted = async (server: NetServer) => {
    let connections = 0;
    server.on("connection", () => connections++);
    return { url: await listen(server, "http"), connections: () => connections };
  };
  return {
    listen,
    httpServer: (handler) => counted(createHttpServer(handler)),
    rawServer: (reply) => {
      let connections = 0;
      return counted(
        createNetServer((socket) => {
          const n = ++connections;
          let head = "";
          socket.on("data", (data) => {
            head += data.toString("latin1");
            if (!head.includes("\r\n\r\n")) return;
            head = "";
            reply(socket, n);
          });
        }),
      );
    },
  };
}

/** A throwaway certificate for 127.0.0.1, made by the machine's openssl. */
export function selfSignedCertificate(): { key: Buffer; cert: Buffer } {
  const dir = mkdtempSync(path.join(tmpdir(), "agent-tls-"));
  try {
    const [key, cert] = [path.join(dir, "key.pem"), path.join(dir, "cert.pem")];
    execFileSync("openssl", ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", cert, "-days", "1", "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1"], { stdio: "ignore" });
    return { key: readFileSync(key), cert: readFileSync(cert) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export const sha256 = (data: Uint8Array) => createHash("sha256").update(data).digest("hex");

/** Reads a body whole, copying each borrowed chunk; `slow` makes the reader answer each chunk with a promise. */
export async function readAll(body: ResponseBody, slow = false): Promise<Buffer> {
  const parts: Buffer[] = [];
  await body.read((chunk) => {
    parts.push(Buffer.from(chunk));
    if (slow) return new Promise<void>((resolve) => setImmediate(resolve));
  });
  return Buffer.concat(parts);
}
