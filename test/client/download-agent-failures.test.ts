/**
 * DownloadAgent when things go wrong: servers that close or misframe at each phase, aborts, TLS connections that
 * hand over reads while paused, and what each request leaves behind (listeners, referenced sockets). All on loopback.
 */
import { randomBytes } from "node:crypto";
import { getEventListeners } from "node:events";
import { createServer as createHttpsServer } from "node:https";
import { createServer as createNetServer, type Socket } from "node:net";
import { createServer as createTlsServer } from "node:tls";
import { beforeAll, describe, expect, it } from "vitest";
import { DownloadAgent } from "../../src/client/download-agent.ts";
import { bodyStream, bodyText, type ResponseBody } from "../../src/client/response-body.ts";
import { loopbackServers, readAll, selfSignedCertificate, sha256 } from "./agent-servers.ts";

const { listen, rawServer } = loopbackServers();

let key: Buffer;
let cert: Buffer;
beforeAll(() => ({ key, cert } = selfSignedCertificate()));

/** A TLS server that answers the first request of each connection with `reply`'s bytes, then closes (close_notify). */
async function tlsClosingServer(reply: string): Promise<string> {
  const server = createTlsServer({ key, cert }, (socket) => socket.once("data", () => socket.end(reply)));
  return listen(server, "https");
}

const agent = (options: { keepAliveMs?: number } = {}) => new DownloadAgent({ timeoutMs: 10_000, tls: { ca: cert }, ...options });
const tick = (ms = 0) => new Promise((resolve) => setTimeout(resolve, ms));

/** Whether `promise` settled by now (after the pending callbacks ran). */
async function settled(promise: Promise<unknown>): Promise<boolean> {
  let done = false;
  promise.then(
    () => (done = true),
    () => (done = true),
  );
  await tick(20);
  return done;
}

describe("DownloadAgent over TLS", () => {
  it("gives the reader one chunk at a time, and a chunk stays intact while the reader's promise is pending", async () => {
    // TLS hands over every record it decrypted from one network read, even after the callback asked for a pause.
    const payload = randomBytes(4 * 1024 * 1024);
    const server = createHttpsServer({ key, cert }, (_req, res) => res.writeHead(200, { "content-length": payload.length }).end(payload));
    const url = await listen(server, "https");
    const answer = await agent().get(url, new Headers());
    let busy = false;
    let overlapping = 0;
    let changed = 0;
    const parts: Buffer[] = [];
    await answer.body.read(async (chunk) => {
      if (busy) overlapping++;
      busy = true;
      const copy = Buffer.from(chunk);
      parts.push(copy);
      await new Promise((resolve) => setImmediate(resolve));
      if (!copy.equals(chunk)) changed++;
      busy = false;
    });
    expect({ overlapping, changed }).toEqual({ overlapping: 0, changed: 0 });
    expect(sha256(Buffer.concat(parts))).toBe(sha256(payload));
  });

  it.each([
    ["a body delimited by the close", "HTTP/1.1 200 OK\r\n\r\nuntil the end", "until the end"],
    ["a Content-Length body with Connection: close", "HTTP/1.1 200 OK\r\ncontent-length: 2\r\nconnection: close\r\n\r\nPK", "PK"],
  ])("reads %s whole when the server's close came with it, before the body was read", async (_name, reply, body) => {
    const url = await tlsClosingServer(reply);
    const answer = await agent().get(url, new Headers());
    await tick(50); // the caller opens its file meanwhile: the close has arrived by the time it reads
    expect(await bodyText(answer.body)).toBe(body);
  });
});

describe("DownloadAgent framing", () => {
  it.each([
    ["Transfer-Encoding with Content-Length", "HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\ncontent-length: 2\r\n\r\n2\r\nPK\r\n0\r\n\r\n"],
    ["Transfer-Encoding in an HTTP/1.0 answer", "HTTP/1.0 200 OK\r\nconnection: keep-alive\r\ntransfer-encoding: chunked\r\n\r\n2\r\nPK\r\n0\r\n\r\n"],
    ["bytes after a 204's head", "HTTP/1.1 204 No Content\r\n\r\nPK"],
  ])("reads %s and does not reuse that connection", async (_name, reply) => {
    const { url, connections } = await rawServer((socket) => socket.write(reply));
    const a = agent();
    for (let i = 0; i < 2; i++) await readAll((await a.get(url, new Headers())).body);
    expect(connections()).toBe(2);
  });

  it("refuses a transfer coding other than chunked (the request asked for none) with EPROTO", async () => {
    // gzip, chunked: the body's bytes would be gzip's, not the package's.
    const { url } = await rawServer((socket) => socket.write("HTTP/1.1 200 OK\r\ntransfer-encoding: gzip, chunked\r\n\r\n2\r\nPK\r\n0\r\n\r\n"));
    await expect(agent().get(url, new Headers())).rejects.toMatchObject({ code: "EPROTO", message: expect.stringContaining("gzip") });
  });

  it("refuses a control character in a header value with EPROTO", async () => {
    const { url } = await rawServer((socket) => socket.write("HTTP/1.1 200 OK\r\nx-a: 1\u00002\r\ncontent-length: 0\r\n\r\n"));
    await expect(agent().get(url, new Headers())).rejects.toMatchObject({ code: "EPROTO", message: expect.stringContaining("malformed header line") });
  });
});

describe("DownloadAgent when a request fails", () => {
  it("settles a read only after the reader's pending promise, when the request is aborted meanwhile", async () => {
    const { url } = await rawServer((socket) => socket.write("HTTP/1.1 200 OK\r\ncontent-length: 10\r\n\r\n12345"));
    const controller = new AbortController();
    const answer = await agent().get(url, new Headers(), controller.signal);
    let release = () => undefined as void;
    const reading = answer.body.read(() => new Promise<void>((resolve) => (release = resolve)));
    await tick(20);
    controller.abort(new Error("stopped by the caller"));
    // The sink is still writing the chunk: the caller must not go on (restart it, close its file) before that ends.
    expect(await settled(reading)).toBe(false);
    release();
    await expect(reading).rejects.toThrow("stopped by the caller");
    expect(getEventListeners(controller.signal, "abort")).toHaveLength(0);
  });

  it("rejects a read whose body is discarded before its end, even one delimited by the close", async () => {
    const { url } = await rawServer((socket) => socket.write("HTTP/1.1 200 OK\r\n\r\nsome bytes"));
    const answer = await agent().get(url, new Headers());
    const reading = answer.body.read(() => answer.body.discard());
    await expect(reading).rejects.toMatchObject({ message: expect.stringContaining("discarded") });
  });

  it("rejects a read whose reader rejected without an error, even on a body delimited by the close", async () => {
    const { url } = await rawServer((socket) => socket.write("HTTP/1.1 200 OK\r\n\r\nsome bytes"));
    const answer = await agent().get(url, new Headers());
    await expect(answer.body.read(() => Promise.reject(undefined))).rejects.toThrow("the body's reader failed");
  });

  it("gives the reader nothing more once it aborted from within its call", async () => {
    const { url } = await rawServer((socket) => socket.write("HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n2\r\nPK\r\n2\r\nPK\r\n"));
    const controller = new AbortController();
    const answer = await agent().get(url, new Headers(), controller.signal);
    let calls = 0;
    const reading = answer.body.read(() => {
      calls++;
      controller.abort(new Error("stopped by the caller"));
    });
    await expect(reading).rejects.toThrow("stopped by the caller");
    expect(calls).toBe(1);
  });

  it("ends the body's read when its web stream is cancelled while the stream's queue is full", async () => {
    const payload = randomBytes(1024 * 1024);
    const { url } = await rawServer((socket) => socket.write(Buffer.concat([Buffer.from(`HTTP/1.1 200 OK\r\ncontent-length: ${payload.length}\r\n\r\n`), payload])));
    const answer = await agent().get(url, new Headers());
    let readSettled = false;
    const body: ResponseBody = { read: (onChunk) => answer.body.read(onChunk).finally(() => (readSettled = true)), discard: () => answer.body.discard() };
    const reader = bodyStream(body).getReader();
    await reader.read();
    await tick(20); // the next chunk fills the stream's queue, and its onChunk waits for room
    await reader.cancel();
    await tick(20);
    expect(readSettled).toBe(true);
  });

  it("refuses a connection with ECONNREFUSED, the code the retry policy retries for every call", async () => {
    const server = createNetServer();
    const url = await listen(server, "http");
    server.close();
    await new Promise((resolve) => server.once("close", resolve));
    await expect(agent().get(url, new Headers())).rejects.toMatchObject({ code: "ECONNREFUSED" });
  });

  it("gives up a server that sends no answer with ETIMEDOUT", async () => {
    const { url } = await rawServer(() => undefined);
    await expect(new DownloadAgent({ timeoutMs: 100 }).get(url, new Headers())).rejects.toMatchObject({ code: "ETIMEDOUT" });
  });

  // The idle timeout measures the server's silence: a reader that holds a chunk for longer (a slow disk) pauses reading, not the server.
  const idleMs = 200;
  const holdMs = 3 * idleMs;
  /** Reads a body whose reader holds its first chunk for `holdMs`; resolves with the bytes and how the read ended. */
  async function readHoldingFirstChunk(body: ResponseBody): Promise<{ bytes: number; error: unknown }> {
    let bytes = 0;
    const error = await body
      .read((chunk) => {
        const first = bytes === 0;
        bytes += chunk.length;
        if (first) return tick(holdMs).then(() => undefined);
      })
      .catch((err: unknown) => err);
    return { bytes, error };
  }
  const slowSinkPayload = 2 * 1024 * 1024;

  it("does not time out while the reader holds a chunk longer than timeoutMs", async () => {
    const { url } = await rawServer((socket) => socket.write(Buffer.concat([Buffer.from(`HTTP/1.1 200 OK\r\ncontent-length: ${slowSinkPayload}\r\n\r\n`), Buffer.alloc(slowSinkPayload)])));
    const answer = await new DownloadAgent({ timeoutMs: idleMs }).get(url, new Headers());
    expect(await readHoldingFirstChunk(answer.body)).toEqual({ bytes: slowSinkPayload, error: undefined });
  });

  it("still times out a server that goes silent after the reader held a chunk", async () => {
    // Half the body, then nothing: the timer, stopped while the reader held its chunk, runs again once reading resumes.
    const { url } = await rawServer((socket) => socket.write(Buffer.concat([Buffer.from(`HTTP/1.1 200 OK\r\ncontent-length: ${slowSinkPayload}\r\n\r\n`), Buffer.alloc(slowSinkPayload / 2)])));
    const answer = await new DownloadAgent({ timeoutMs: idleMs }).get(url, new Headers());
    const { bytes, error } = await readHoldingFirstChunk(answer.body);
    expect(error).toMatchObject({ code: "ETIMEDOUT" });
    expect(bytes).toBe(slowSinkPayload / 2);
  });

  it("closes the connection of a body nobody reads or discards after timeoutMs", async () => {
    let closed!: () => void;
    const closing = new Promise<void>((resolve) => (closed = resolve));
    const { url } = await rawServer((socket) => {
      socket.on("close", closed);
      socket.write(`HTTP/1.1 200 OK\r\ncontent-length: ${slowSinkPayload}\r\n\r\n`);
    });
    await new DownloadAgent({ timeoutMs: idleMs }).get(url, new Headers());
    const outcome = await Promise.race([closing.then(() => "closed"), tick(idleMs * 5).then(() => "still open")]);
    expect(outcome).toBe("closed");
  });

  const cut = "HTTP/1.1 200 OK\r\ncontent-length: 10\r\n\r\n12345";
  it.each([
    ["before the answer", "", false],
    ["in the middle of the head", "HTTP/1.1 200 OK\r\ncontent-le", false],
    ["in the middle of the body", cut, true],
  ])("fails with ECONNRESET when the server closes %s, however the body is read", async (_name, reply, headArrives) => {
    const { url } = await rawServer((socket) => socket.end(reply));
    for (const reading of ["at once", "after the close", "with a pending promise"] as const) {
      const getting = agent().get(url, new Headers());
      if (!headArrives) {
        await expect(getting).rejects.toMatchObject({ code: "ECONNRESET" });
        continue;
      }
      const answer = await getting;
      if (reading === "after the close") await tick(50);
      const read = answer.body.read(() => (reading === "with a pending promise" ? tick(50).then(() => undefined) : undefined));
      await expect(read).rejects.toMatchObject({ code: "ECONNRESET" });
    }
  });

  it.each(["before connecting", "while connecting", "while waiting for the head", "before the body is read", "while the body is read"] as const)(
    "rejects with the abort's reason %s, and leaves no listener on the signal",
    async (when) => {
      const { url } = await rawServer((socket) => {
        if (when !== "while waiting for the head") socket.write("HTTP/1.1 200 OK\r\ncontent-length: 10\r\n\r\n12345");
      });
      const controller = new AbortController();
      const reason = new Error("stopped by the caller");
      if (when === "before connecting") controller.abort(reason);
      const getting = agent().get(url, new Headers(), controller.signal);
      if (when === "while connecting") controller.abort(reason);
      if (when === "while waiting for the head") setTimeout(() => controller.abort(reason), 20);
      if (when === "before connecting" || when === "while connecting" || when === "while waiting for the head") {
        await expect(getting).rejects.toBe(reason);
      } else {
        const answer = await getting;
        if (when === "before the body is read") controller.abort(reason);
        await expect(answer.body.read(() => controller.abort(reason))).rejects.toBe(reason);
      }
      expect(getEventListeners(controller.signal, "abort")).toHaveLength(0);
    },
  );
});

describe("DownloadAgent's kept-alive connections", () => {
  it("keeps idle connections unreferenced (the process may exit) and drops one the server closed", async () => {
    const tcpSockets = () => process.getActiveResourcesInfo().filter((name) => name === "TCPSocketWrap").length;
    const serverSockets: Socket[] = [];
    const { url, connections } = await rawServer((socket) => {
      socket.unref(); // only the agent's sockets are counted
      serverSockets.push(socket);
      socket.write("HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nPK");
    });
    const a = agent({ keepAliveMs: 60_000 });
    const answer = await a.get(url, new Headers());
    const whileRunning = tcpSockets();
    expect((await readAll(answer.body)).toString()).toBe("PK");
    expect(tcpSockets()).toBe(whileRunning - 1);
    serverSockets[0]!.destroy();
    await tick(50);
    // The closed connection left the pool: the next GET opens a new one at once, with no failed attempt first.
    expect((await readAll((await a.get(url, new Headers())).body)).toString()).toBe("PK");
    expect(connections()).toBe(2);
  });

  it("closes an idle connection after keepAliveMs, and keeps no more connections than were used at once", async () => {
    const open = new Set<Socket>();
    const { url, connections } = await rawServer((socket) => {
      open.add(socket);
      socket.once("close", () => open.delete(socket));
      socket.write("HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nPK");
    });
    const a = agent({ keepAliveMs: 50 });
    const three = () => Promise.all([0, 1, 2].map(async () => readAll((await a.get(url, new Headers())).body)));
    await three();
    await three();
    expect(connections()).toBe(3);
    expect(open.size).toBe(3);
    await tick(150);
    expect(open.size).toBe(0);
  });
});
