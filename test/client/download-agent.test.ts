/**
 * DownloadAgent frames HTTP/1.1 answers itself (download-agent.ts): these tests hold it to RFC 9112's framing
 * rules with servers that write exact bytes (node:net) or run node:http/https, all on loopback.
 */
import { randomBytes } from "node:crypto";
import { getEventListeners } from "node:events";
import { createServer as createHttpsServer } from "node:https";
import { describe, expect, it } from "vitest";
import { DownloadAgent } from "../../src/client/download-agent.ts";
import { bodyText } from "../../src/client/response-body.ts";
import { loopbackServers, readAll, selfSignedCertificate, sha256 } from "./agent-servers.ts";

const { httpServer, rawServer, listen } = loopbackServers();

const agent = () => new DownloadAgent({ timeoutMs: 10_000 });
describe("DownloadAgent", () => {
  it("reads a Content-Length body across many reads, in order, and reuses the kept-alive connection", async () => {
    const payload = randomBytes(3 * 1024 * 1024 + 17);
    const { url, connections } = await httpServer((_req, res) => res.writeHead(200, { "content-length": payload.length }).end(payload));
    const a = agent();
    for (let i = 0; i < 3; i++) {
      const answer = await a.get(`${url}/p.zip?sig=x`, new Headers({ range: "bytes=0-" }));
      expect(answer.status).toBe(200);
      expect(answer.headers.get("content-length")).toBe(String(payload.length));
      expect(sha256(await readAll(answer.body))).toBe(sha256(payload));
    }
    expect(connections()).toBe(1);
  });

  it("waits while the reader's promise is pending, and the borrowed bytes stay intact meanwhile", async () => {
    const payload = randomBytes(4 * 1024 * 1024);
    const { url } = await httpServer((_req, res) => res.writeHead(200, { "content-length": payload.length }).end(payload));
    const answer = await agent().get(url, new Headers());
    expect(sha256(await readAll(answer.body, true))).toBe(sha256(payload));
  });

  it("decodes a chunked body (extensions and trailer fields ignored) and reuses the connection after it", async () => {
    const { url, connections } = await rawServer((socket) =>
      socket.write("HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n5;name=value\r\nhello\r\n1\r\n \r\n5\r\nworld\r\n0\r\nx-trailer: 1\r\n\r\n"),
    );
    const a = agent();
    for (let i = 0; i < 2; i++) {
      const answer = await a.get(url, new Headers());
      expect((await readAll(answer.body)).toString()).toBe("hello world");
    }
    expect(connections()).toBe(1);
  });

  it("reads a chunked body sent one byte per write", async () => {
    const { url } = await rawServer((socket) => {
      socket.write("HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n");
      const body = Buffer.from("a\r\n0123456789\r\n0\r\n\r\n");
      let at = 0;
      const next = () => (at < body.length ? socket.write(body.subarray(at, ++at), () => setTimeout(next, 1)) : undefined);
      next();
    });
    expect((await readAll((await agent().get(url, new Headers())).body)).toString()).toBe("0123456789");
  });

  it("reads a body without a length up to the close, says its length was not checked, and does not reuse that connection", async () => {
    const { url, connections } = await rawServer((socket) => socket.end("HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\n\r\nuntil the end"));
    const a = agent();
    const answer = await a.get(url, new Headers());
    expect(answer.lengthUnchecked).toBe(true);
    expect((await readAll(answer.body)).toString()).toBe("until the end");
    expect((await readAll((await a.get(url, new Headers())).body)).toString()).toBe("until the end");
    expect(connections()).toBe(2);
  });

  it.each([
    ["Content-Length", "HTTP/1.1 200 OK\ncontent-length: 2\r\nx-a: 1\n\nPK"],
    ["chunked", "HTTP/1.1 200 OK\ntransfer-encoding: chunked\n\n1\nP\n1;x=y\r\nK\n0\nx-trailer: 1\n\n"],
    ["chunked, the head ending in LF CR LF", "HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\n\r\n2\nPK\r\n0\r\n\n"],
  ])("accepts lines that end in a bare LF (RFC 9112 §2.2), %s, and reuses the connection after them", async (_name, reply) => {
    const { url, connections } = await rawServer((socket) => socket.write(reply));
    const a = agent();
    for (let i = 0; i < 2; i++) {
      const answer = await a.get(url, new Headers());
      expect(answer.lengthUnchecked).toBe(false);
      expect((await readAll(answer.body)).toString()).toBe("PK");
    }
    expect(connections()).toBe(1);
  });

  it("skips interim 1xx answers", async () => {
    const { url } = await rawServer((socket) =>
      socket.write("HTTP/1.1 103 Early Hints\r\nlink: </a>\r\n\r\nHTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nPK"),
    );
    const answer = await agent().get(url, new Headers());
    expect(answer.status).toBe(200);
    expect(answer.headers.has("link")).toBe(false);
    expect((await readAll(answer.body)).toString()).toBe("PK");
  });

  it("sends the GET again on a new connection when the kept-alive one was closed by the server", async () => {
    const { url, connections } = await rawServer((socket, n) => {
      socket.write("HTTP/1.1 200 OK\r\ncontent-length: 1\r\n\r\n" + n);
      // The first connection is closed right after its answer, as a server whose keep-alive time ran out does.
      if (n === 1) setTimeout(() => socket.destroy(), 20);
    });
    const a = agent();
    expect((await readAll((await a.get(url, new Headers())).body)).toString()).toBe("1");
    await new Promise((resolve) => setTimeout(resolve, 60));
    expect((await readAll((await a.get(url, new Headers())).body)).toString()).toBe("2");
    expect(connections()).toBe(2);
  });

  it("fails a body cut short of its Content-Length with ECONNRESET and the bytes received", async () => {
    const { url } = await rawServer((socket) => socket.end("HTTP/1.1 200 OK\r\ncontent-length: 10\r\n\r\n12345"));
    const answer = await agent().get(url, new Headers());
    const received: Buffer[] = [];
    const error = await answer.body.read((chunk) => void received.push(Buffer.from(chunk))).catch((err: unknown) => err);
    expect(error).toMatchObject({ code: "ECONNRESET", message: expect.stringContaining("5 of 10 bytes") });
    expect(Buffer.concat(received).toString()).toBe("12345");
  });

  it("drops a connection that sent bytes after the body's end", async () => {
    const { url, connections } = await rawServer((socket) => socket.write("HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nPKextra"));
    const a = agent();
    expect((await readAll((await a.get(url, new Headers())).body)).toString()).toBe("PK");
    expect((await readAll((await a.get(url, new Headers())).body)).toString()).toBe("PK");
    expect(connections()).toBe(2);
  });

  it.each([
    ["a status line that is not HTTP/1.1", "HTTP/2 200\r\n\r\n", "not an HTTP/1.1 answer"],
    ["two different Content-Lengths", "HTTP/1.1 200 OK\r\ncontent-length: 2\r\ncontent-length: 3\r\n\r\nPK", "invalid Content-Length"],
    ["a folded header line", "HTTP/1.1 200 OK\r\nx-a: 1\r\n continued\r\n\r\n", "malformed header line"],
    ["a bad chunk size", "HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\nzz\r\n", "malformed chunked body"],
    // Each line is under the 4 KiB line limit; together they never end.
    ["a trailer section longer than 64 KiB", `HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n0\r\n${"x-trailer: 1234567890\r\n".repeat(3000)}`, "trailer section is longer than 65536 bytes"],
  ])("refuses %s with EPROTO", async (_name, reply, message) => {
    const { url } = await rawServer((socket) => socket.write(reply));
    const error = await agent()
      .get(url, new Headers())
      .then((answer) => readAll(answer.body))
      .catch((err: unknown) => err);
    expect(error).toMatchObject({ code: "EPROTO", message: expect.stringContaining(message) });
  });

  it("refuses an answer head longer than 64 KiB", async () => {
    const { url } = await rawServer((socket) => socket.write(`HTTP/1.1 200 OK\r\nx-big: ${"a".repeat(70_000)}\r\n\r\n`));
    await expect(agent().get(url, new Headers())).rejects.toMatchObject({ code: "EPROTO" });
  });

  it("rejects a read with the reader's own error and drops the connection", async () => {
    const payload = randomBytes(1024 * 1024);
    const { url, connections } = await httpServer((_req, res) => res.writeHead(200, { "content-length": payload.length }).end(payload));
    const a = agent();
    const full = new Error("disk full");
    await expect((await a.get(url, new Headers())).body.read(() => Promise.reject(full))).rejects.toBe(full);
    expect(sha256(await readAll((await a.get(url, new Headers())).body))).toBe(sha256(payload));
    expect(connections()).toBe(2);
  });

  it("aborts a body when the signal fires, and leaves no listener on the signal after a finished download", async () => {
    const { url } = await httpServer((_req, res) => {
      res.writeHead(200, { "content-length": 1 << 20 });
      res.write(Buffer.alloc(1000)); // and never the rest
    });
    const controller = new AbortController();
    const answer = await agent().get(url, new Headers(), controller.signal);
    const reading = answer.body.read(() => controller.abort(new Error("stopped by the caller")));
    await expect(reading).rejects.toThrow("stopped by the caller");

    const done = await httpServer((_req, res) => res.end("PK"));
    const signal = new AbortController().signal;
    await readAll((await agent().get(done.url, new Headers(), signal)).body);
    expect(getEventListeners(signal, "abort")).toHaveLength(0);
  });

  it("keeps a discarded complete body's connection, and drops one discarded mid-body", async () => {
    const { url, connections } = await httpServer((req, res) => res.end(req.url === "/big" ? Buffer.alloc(4 << 20) : "PK"));
    const a = agent();
    (await a.get(`${url}/small`, new Headers())).body.discard();
    expect(await bodyText((await a.get(`${url}/small`, new Headers())).body)).toBe("PK");
    expect(connections()).toBe(1);
    (await a.get(`${url}/big`, new Headers())).body.discard();
    expect(await bodyText((await a.get(`${url}/small`, new Headers())).body)).toBe("PK");
    expect(connections()).toBe(2);
  });

  it("keeps the first 64 KiB of a long error body as its text, and the connection for the next request", async () => {
    const { url, connections } = await httpServer((req, res) => {
      if (req.url === "/ok") return res.end("PK");
      res.writeHead(500, { "content-type": "text/plain" }).end("e".repeat(1 << 20));
    });
    const a = agent();
    const text = await bodyText((await a.get(`${url}/error`, new Headers())).body);
    expect(text).toBe("e".repeat(64 * 1024));
    expect(await bodyText((await a.get(`${url}/ok`, new Headers())).body)).toBe("PK");
    expect(connections()).toBe(1);
  });

  it("downloads over TLS, checking the server's certificate", async () => {
    const { key, cert } = selfSignedCertificate();
    const payload = randomBytes(2 * 1024 * 1024);
    const url = `${await listen(createHttpsServer({ key, cert }, (_req, res) => res.writeHead(200, { "content-length": payload.length }).end(payload)), "https")}/p.zip`;
    const trusting = new DownloadAgent({ timeoutMs: 10_000, tls: { ca: cert } });
    expect(sha256(await readAll((await trusting.get(url, new Headers())).body, true))).toBe(sha256(payload));
    await expect(agent().get(url, new Headers())).rejects.toMatchObject({ code: "DEPTH_ZERO_SELF_SIGNED_CERT" });
  });
});
