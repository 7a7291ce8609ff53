import net, { type Socket } from "node:net";
import tls, { type ConnectionOptions } from "node:tls";
import type { ResponseBody } from "./response-body.ts";

/**
 * GETs for package downloads, over HTTP/1.1 connections that read into one reused buffer each.
 *
 * Why not node:http: its client parser copies every body chunk into a new buffer and its socket reads 64 KiB at a
 * time, into a new allocation each; on a 1 GiB download that was 0.65–0.77× curl's throughput, and undici's
 * request and stream APIs were slower still (README, "Benchmarks"). A socket given an `onread` buffer reads up to
 * that buffer's size in one call into memory that stays warm, and the body's bytes go to the caller as views of it:
 * no allocation and no copy per read. What that costs is framing the answer here, and only what a download needs:
 * one GET at a time per connection, Content-Length, chunked and close-delimited bodies (RFC 9112 §6), interim 1xx
 * answers skipped, and kept-alive connections reused.
 */

/** One read's most bytes. 256 KiB measured fastest on 1 GiB (1 and 4 MiB no faster; node:http reads 64 KiB). */
const readBufferBytes = 256 * 1024;
/** An answer's head larger than this is refused (node:http's limit is 16 KiB; blob storage's heads are ~1 KiB). */
const maxHeadBytes = 64 * 1024;
/** Idle kept-alive connections are closed after this; below the 5 s Node servers keep them by default. */
const defaultKeepAliveMs = 4_000;

export interface DownloadAnswer {
  status: number;
  statusText: string;
  headers: Headers;
  body: ResponseBody;
}

export interface DownloadAgentOptions {
  /** A connection that receives nothing for this long while a request is running is given up (ETIMEDOUT). */
  timeoutMs: number;
  keepAliveMs?: number;
  /** Extra options for TLS connections, e.g. a test's own certificate authority. */
  tls?: ConnectionOptions;
}

/** A network failure, with a code as Node's own errors have (the retry policy reads it). */
function networkError(message: string, code: string): Error {
  return Object.assign(new Error(message), { code });
}

/** Connections per origin, kept alive between downloads; nothing global, so each client owns its own. */
export class DownloadAgent {
  readonly #idle = new Map<string, Connection[]>();
  readonly #options: DownloadAgentOptions;

  constructor(options: DownloadAgentOptions) {
    this.#options = options;
  }

  /** Sends `GET url` with `headers` and resolves with the answer's head once it arrives; its body is read from `body`. */
  async get(url: string, headers: Headers, signal?: AbortSignal): Promise<DownloadAnswer> {
    const target = new URL(url);
    if (target.protocol !== "http:" && target.protocol !== "https:") throw new Error(`cannot download ${target.protocol} URLs`);
    const head = requestHead(target, headers);
    const origin = target.origin;
    for (;;) {
      signal?.throwIfAborted();
      const reused = this.#idle.get(origin)?.pop();
      const connection = reused ?? new Connection(target, this.#options);
      try {
        return await connection.exchange(head, signal, () => this.#park(origin, connection));
      } catch (err) {
        // A kept-alive connection the server had closed fails before any byte of an answer: the GET went nowhere
        // and goes again on a new connection (RFC 9112 §9.3.1), as browsers and curl do.
        if (reused && !connection.answerStarted && !signal?.aborted) continue;
        throw err;
      }
    }
  }

  #park(origin: string, connection: Connection): void {
    const list = this.#idle.get(origin) ?? [];
    list.push(connection);
    this.#idle.set(origin, list);
    connection.idle(this.#options.keepAliveMs ?? defaultKeepAliveMs, () => {
      const at = list.indexOf(connection);
      if (at >= 0) list.splice(at, 1);
      if (list.length === 0 && this.#idle.get(origin) === list) this.#idle.delete(origin);
    });
  }
}

/** `GET` and its header fields, as bytes: Headers holds only byte strings without CR, LF or NUL, so latin1 is exact. */
function requestHead(target: URL, headers: Headers): Buffer {
  let head = `GET ${target.pathname}${target.search} HTTP/1.1\r\nhost: ${target.host}\r\n`;
  for (const [name, value] of headers) {
    if (name === "host" || name === "connection" || name === "transfer-encoding") continue;
    head += `${name}: ${value}\r\n`;
  }
  return Buffer.from(`${head}\r\n`, "latin1");
}

/** What one request is doing on a connection. */
type Phase =
  | { kind: "head"; parts: Buffer[]; bytes: number; resolve: (answer: DownloadAnswer) => void; reject: (err: Error) => void }
  | { kind: "body"; framing: Framing; reusable: boolean; reader: BodyReader }
  | { kind: "idle"; onClose: () => void }
  | { kind: "closed" };

/** The body's consumer, once `read` is called; until then the socket is paused and the bytes wait in `pending`. */
interface BodyReader {
  onChunk: ((chunk: Uint8Array) => void | Promise<void>) | undefined;
  resolve: (() => void) | undefined;
  reject: ((err: Error) => void) | undefined;
  /** Bytes not yet given out: a view of the read buffer, valid while the socket is paused, or a copy. */
  pending: { view: Buffer; at: number } | undefined;
  /** How the body ended before `read` was called. */
  outcome: { error: Error } | { done: true } | undefined;
}

class Connection {
  readonly #socket: Socket;
  #phase: Phase = { kind: "closed" };
  #timeoutMs: number;
  #onFinished: () => void = () => undefined;
  #signal: AbortSignal | undefined;
  /** Some byte of the current request's answer arrived. */
  answerStarted = false;
  readonly #onAbort = () => this.#socket.destroy(this.#signal?.reason as Error);

  constructor(target: URL, options: DownloadAgentOptions) {
    const host = target.hostname.replace(/^\[(.*)\]$/, "$1");
    const buffer = Buffer.allocUnsafe(readBufferBytes);
    const onread: net.OnReadOpts = { buffer, callback: (n) => this.#onRead(buffer.subarray(0, n)) };
    this.#timeoutMs = options.timeoutMs;
    this.#socket =
      target.protocol === "https:"
        ? // @types/node leaves `onread` out of tls.connect's options; Node documents and honours it (16 KiB records).
          tls.connect({ ...options.tls, host, port: Number(target.port || 443), ...(net.isIP(host) ? {} : { servername: host }), ALPNProtocols: ["http/1.1"], onread } as ConnectionOptions)
        : net.connect({ host, port: Number(target.port || 80), onread });
    this.#socket.setNoDelay(true);
    this.#socket.on("error", (err) => this.#fail(err));
    this.#socket.on("close", () => this.#closed());
    this.#socket.on("timeout", () => this.#socket.destroy(networkError(`no data for ${this.#timeoutMs / 1000} s`, "ETIMEDOUT")));
  }

  /** Sends a request's head and resolves with the answer's head. `onFinished` runs when the body ended and the connection can take another request. */
  exchange(head: Buffer, signal: AbortSignal | undefined, onFinished: () => void): Promise<DownloadAnswer> {
    return new Promise((resolve, reject) => {
      this.answerStarted = false;
      if (this.#socket.destroyed) return reject(networkError("the kept-alive connection was closed", "ECONNRESET"));
      this.#onFinished = onFinished;
      this.#phase = { kind: "head", parts: [], bytes: 0, resolve, reject };
      this.#signal = signal;
      signal?.addEventListener("abort", this.#onAbort, { once: true });
      this.#socket.ref();
      this.#socket.setTimeout(this.#timeoutMs);
      this.#socket.write(head);
      this.#socket.resume();
    });
  }

  /** Waits for the next request, still reading (to notice the server closing first); closes after `keepAliveMs`. */
  idle(keepAliveMs: number, onClose: () => void): void {
    this.#phase = { kind: "idle", onClose };
    this.#socket.setTimeout(keepAliveMs);
    this.#socket.unref();
  }

  /** Every read lands here, a view of the connection's one buffer; false pauses reading. */
  #onRead(view: Buffer): boolean {
    const phase = this.#phase;
    if (phase.kind === "head") return this.#readHead(phase, view);
    if (phase.kind === "body") return this.#feed(phase, view, 0);
    // Bytes nobody asked for (an idle connection, or after the body): this connection's framing cannot be trusted.
    this.#socket.destroy();
    return false;
  }

  #readHead(phase: Extract<Phase, { kind: "head" }>, view: Buffer): boolean {
    this.answerStarted = true;
    phase.parts.push(Buffer.from(view));
    phase.bytes += view.length;
    let bytes = phase.parts.length === 1 ? phase.parts[0]! : Buffer.concat(phase.parts);
    phase.parts = [bytes];
    for (;;) {
      const end = bytes.indexOf("\r\n\r\n");
      if (end < 0 ? bytes.length > maxHeadBytes : end > maxHeadBytes) {
        this.#socket.destroy(networkError(`the answer's head is longer than ${maxHeadBytes} bytes`, "EPROTO"));
        return false;
      }
      if (end < 0) return true;
      let answer: ParsedHead;
      try {
        answer = parseHead(bytes.subarray(0, end).toString("latin1"));
      } catch (err) {
        this.#socket.destroy(err as Error);
        return false;
      }
      const rest = bytes.subarray(end + 4);
      // Interim answers (100 Continue, 103 Early Hints) come before the real one.
      if (answer.status < 200 && answer.status !== 101) {
        bytes = rest;
        phase.parts = [rest];
        continue;
      }
      if (answer.status === 101) {
        this.#socket.destroy(networkError("the server switched protocols, which a download never asks for", "EPROTO"));
        return false;
      }
      let framing: Framing;
      try {
        framing = framingOf(answer);
      } catch (err) {
        this.#socket.destroy(err as Error);
        return false;
      }
      const reader: BodyReader = { onChunk: undefined, resolve: undefined, reject: undefined, pending: { view: rest, at: 0 }, outcome: undefined };
      const body: Extract<Phase, { kind: "body" }> = { kind: "body", framing, reusable: answer.keepAlive && framing.delimited, reader };
      this.#phase = body;
      phase.resolve({ status: answer.status, statusText: answer.statusText, headers: answer.headers, body: this.#bodyOf(body) });
      // Paused until the body is read: the bytes after the head stay in `pending` meanwhile.
      return framing.done ? this.#finish(body) : false;
    }
  }

  #bodyOf(phase: Extract<Phase, { kind: "body" }>): ResponseBody {
    const reader = phase.reader;
    let taken = false;
    return {
      read: (onChunk) => {
        if (taken) return Promise.reject(new Error("the body was already read"));
        taken = true;
        return new Promise<void>((resolve, reject) => {
          const outcome = reader.outcome;
          if (outcome) return "error" in outcome ? reject(outcome.error) : resolve();
          Object.assign(reader, { onChunk, resolve, reject });
          const pending = reader.pending;
          reader.pending = undefined;
          if (pending && this.#feed(phase, pending.view, pending.at)) this.#socket.resume();
        });
      },
      discard: () => {
        if (reader.outcome || this.#phase !== phase) return;
        if (taken) return void this.#socket.destroy();
        taken = true;
        // The rest of a small body (an error's) may have come with the head: taking it keeps the connection.
        reader.onChunk = () => undefined;
        const pending = reader.pending;
        reader.pending = undefined;
        const reading = pending ? this.#feed(phase, pending.view, pending.at) : true;
        if (!phase.framing.done) this.#socket.destroy();
        else if (reading) this.#socket.resume();
      },
    };
  }

  /**
   * Gives the body's bytes in `view` from `at` to the reader. Returns whether to go on reading: false while a
   * promise of the reader is pending (the view stays valid while reading is paused), or after the end.
   */
  #feed(phase: Extract<Phase, { kind: "body" }>, view: Buffer, at: number): boolean {
    const reader = phase.reader;
    if (!reader.onChunk) {
      // A read before the body is read (TLS may hand over what it had already decrypted): kept, as a copy.
      const before = reader.pending ? [reader.pending.view.subarray(reader.pending.at)] : [];
      reader.pending = { view: Buffer.concat([...before, view.subarray(at)]), at: 0 };
      return false;
    }
    while (at < view.length && !phase.framing.done) {
      let taken: Taken;
      try {
        taken = phase.framing.take(view, at);
      } catch (err) {
        this.#socket.destroy(err as Error);
        return false;
      }
      at = taken.next;
      if (taken.end === taken.start) continue;
      let pending: void | Promise<void>;
      try {
        pending = reader.onChunk(view.subarray(taken.start, taken.end));
      } catch (err) {
        this.#socket.destroy(err as Error);
        return false;
      }
      if (pending) {
        const from = at;
        pending.then(
          () => {
            if (this.#phase === phase && this.#feed(phase, view, from)) this.#socket.resume();
          },
          (err: unknown) => this.#socket.destroy(err as Error),
        );
        return false;
      }
    }
    if (!phase.framing.done) return true;
    // Bytes after the body's end: not the start of an answer (one request at a time), so never reuse this connection.
    if (at < view.length) phase.reusable = false;
    return this.#finish(phase);
  }

  /**
   * The body is complete: the reader is told, and the connection goes back to its agent (and returns true: it
   * reads on while idle) or is closed.
   */
  #finish(phase: Extract<Phase, { kind: "body" }>): boolean {
    this.#release();
    const reader = phase.reader;
    if (reader.resolve) reader.resolve();
    else reader.outcome = { done: true };
    this.#phase = { kind: "closed" };
    if (!phase.reusable) {
      this.#socket.destroy();
      return false;
    }
    this.#onFinished();
    return true;
  }

  /**
   * The socket closed. For a close-delimited body that is its end (reads stop while the body is not being read,
   * so the close is seen only after every byte before it was given out); anything else still running failed.
   */
  #closed(): void {
    const phase = this.#phase;
    if (phase.kind === "body" && phase.framing.endsAtClose && !this.#socket.errored) {
      phase.reusable = false;
      phase.framing.done = true;
      this.#finish(phase);
      return;
    }
    this.#fail(this.#socket.errored ?? undefined);
  }

  /** A failure of the socket (or the one in `err`): whatever the current request is waiting for rejects with it. */
  #fail(err: Error | undefined): void {
    const phase = this.#phase;
    this.#phase = { kind: "closed" };
    this.#release();
    this.#socket.destroy();
    if (phase.kind === "idle") phase.onClose();
    else if (phase.kind === "head") {
      phase.reject(err ?? networkError(phase.bytes === 0 ? "the connection closed before the answer" : "the connection closed in the middle of the answer's head", "ECONNRESET"));
    } else if (phase.kind === "body") {
      const error = err ?? networkError(`the connection closed before the body's end (${phase.framing.describe()})`, "ECONNRESET");
      if (phase.reader.reject) phase.reader.reject(error);
      else phase.reader.outcome = { error };
    }
  }

  #release(): void {
    this.#signal?.removeEventListener("abort", this.#onAbort);
    this.#signal = undefined;
  }
}

interface ParsedHead {
  status: number;
  statusText: string;
  headers: Headers;
  keepAlive: boolean;
}

/** An answer's status line and header fields (RFC 9112 §4 and §5); obsolete line folding is refused. */
export function parseHead(text: string): ParsedHead {
  const lines = text.split(/\r?\n/);
  const status = /^HTTP\/1\.([01]) (\d{3})(?: (.*))?$/.exec(lines[0]!);
  if (!status) throw networkError(`not an HTTP/1.1 answer: ${JSON.stringify(lines[0]!.slice(0, 80))}`, "EPROTO");
  const headers = new Headers();
  for (const line of lines.slice(1)) {
    const field = /^([!#$%&'*+.^_`|~0-9A-Za-z-]+):[ \t]*(.*?)[ \t]*$/.exec(line);
    if (!field) throw networkError(`malformed header line in the answer: ${JSON.stringify(line.slice(0, 80))}`, "EPROTO");
    headers.append(field[1]!, field[2]!);
  }
  const tokens = (headers.get("connection") ?? "").toLowerCase().split(/\s*,\s*/);
  const keepAlive = status[1] === "1" ? !tokens.includes("close") : tokens.includes("keep-alive");
  return { status: Number(status[2]), statusText: status[3] ?? "", headers, keepAlive };
}

/** Where one piece of body bytes lies in a read: [start, end), and where the next piece's framing starts. */
interface Taken {
  start: number;
  end: number;
  next: number;
}

/** How an answer's body is delimited (RFC 9112 §6.3). */
interface Framing {
  done: boolean;
  /** The end of the body is the end of the connection. */
  readonly endsAtClose: boolean;
  /** The body's end is known from the bytes themselves, so the connection may carry another request after it. */
  readonly delimited: boolean;
  /** Body bytes in `view` from `at` (framing bytes skipped). */
  take(view: Buffer, at: number): Taken;
  describe(): string;
}

function framingOf(answer: ParsedHead): Framing {
  if (answer.status === 204 || answer.status === 304) return lengthFraming(0);
  const coding = answer.headers.get("transfer-encoding");
  if (coding !== null) {
    // Chunked must be the last coding; any other means the body runs to the close (§6.3, rule 4).
    return coding.toLowerCase().split(",").at(-1)!.trim() === "chunked" ? chunkedFraming() : closeFraming();
  }
  const length = answer.headers.get("content-length");
  if (length === null) return closeFraming();
  // Repeated fields arrive joined with commas; they must all agree (§6.3, rule 5).
  const values = new Set(length.split(/\s*,\s*/));
  const [only] = values;
  if (values.size !== 1 || !/^\d{1,15}$/.test(only!)) throw networkError(`invalid Content-Length in the answer: ${JSON.stringify(length)}`, "EPROTO");
  return lengthFraming(Number(only));
}

function lengthFraming(length: number): Framing {
  let left = length;
  return {
    done: length === 0,
    endsAtClose: false,
    delimited: true,
    take(view, at) {
      const end = Math.min(view.length, at + left);
      left -= end - at;
      if (left === 0) this.done = true;
      return { start: at, end, next: end };
    },
    describe: () => `${length - left} of ${length} bytes`,
  };
}

function closeFraming(): Framing {
  let received = 0;
  return {
    done: false,
    endsAtClose: true,
    delimited: false,
    take(view, at) {
      received += view.length - at;
      return { start: at, end: view.length, next: view.length };
    },
    describe: () => `${received} bytes`,
  };
}

/** Chunked transfer coding (RFC 9112 §7.1): size lines (extensions ignored), data, CRLF; a 0 size, then trailer lines. */
function chunkedFraming(): Framing {
  type State = "size" | "data" | "data-end" | "trailer";
  let state: State = "size";
  let line = "";
  let left = 0;
  let received = 0;
  const protocol = (what: string) => networkError(`malformed chunked body: ${what}`, "EPROTO");
  return {
    done: false,
    endsAtClose: false,
    delimited: true,
    take(view, at) {
      if (state === "data") {
        const end = Math.min(view.length, at + left);
        left -= end - at;
        received += end - at;
        if (left === 0) state = "data-end";
        return { start: at, end, next: end };
      }
      // Framing bytes, one line at a time: gathered until its LF.
      const lf = view.indexOf(10, at);
      const stop = lf < 0 ? view.length : lf + 1;
      line += view.toString("latin1", at, stop);
      if (line.length > 4096) throw protocol("a line longer than 4 KiB");
      if (lf >= 0) {
        const text = line.replace(/\r?\n$/, "");
        line = "";
        if (state === "size") {
          const size = /^([0-9A-Fa-f]{1,12})[ \t]*(?:;.*)?$/.exec(text);
          if (!size) throw protocol(`chunk size line ${JSON.stringify(text.slice(0, 40))}`);
          left = parseInt(size[1]!, 16);
          state = left === 0 ? "trailer" : "data";
        } else if (state === "data-end") {
          if (text !== "") throw protocol("no CRLF after a chunk's data");
          state = "size";
        } else if (text === "") {
          this.done = true;
        }
      }
      return { start: stop, end: stop, next: stop };
    },
    describe: () => `${received} bytes of a chunked body`,
  };
}
