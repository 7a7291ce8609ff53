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
  /**
   * The body has no length (neither Content-Length nor chunked): it ends where the connection does, and a
   * connection cut off midway looks the same, so whether all of it arrived cannot be checked here.
   */
  lengthUnchecked: boolean;
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

/**
 * Where an answer's head ends in `bytes`, if it does: `end` is where its last line's terminator starts, `next` the
 * first byte after the empty line that ends it. A line may end in a bare LF, a preceding CR ignored (RFC 9112
 * §2.2), as node:http and curl accept. Looks no further than just past the head's limit.
 */
function headEnd(bytes: Buffer): { end: number; next: number } | undefined {
  for (let lf = bytes.indexOf(10); lf >= 0 && lf <= maxHeadBytes + 2; lf = bytes.indexOf(10, lf + 1)) {
    const after = bytes[lf + 1] === 13 ? lf + 2 : lf + 1;
    if (bytes[after] === 10) return { end: bytes[lf - 1] === 13 ? lf - 1 : lf, next: after + 1 };
  }
  return undefined;
}

/** A head or trailer section past the one limit both have: refused rather than buffered without end. */
function tooLong(what: string): Error {
  return networkError(`${what} is longer than ${maxHeadBytes} bytes`, "EPROTO");
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
  | { kind: "head"; parts: Buffer[]; resolve: (answer: DownloadAnswer) => void; reject: (err: Error) => void }
  | BodyPhase
  | { kind: "idle"; onClose: () => void }
  | { kind: "closed" };

interface BodyPhase {
  kind: "body";
  framing: Framing;
  reusable: boolean;
  reader: BodyReader;
  /** The socket closed while bytes that came before the close still waited for the reader: judged after them. */
  closed: boolean;
}

/** The body's consumer, once `read` is called; until then the socket is paused and the bytes wait in `queue`. */
interface BodyReader {
  onChunk: ((chunk: Uint8Array) => void | Promise<void>) | undefined;
  resolve: (() => void) | undefined;
  reject: ((err: Error) => void) | undefined;
  /**
   * Bytes received and not yet given out, in order, as copies: the rest of the head's read, and reads that came
   * while reading was paused (TLS hands over everything it decrypted from one network read, pause or not).
   */
  queue: Buffer[];
  /** A promise `onChunk` returned is pending: its chunk is a view of a read buffer, which no read may reuse meanwhile. */
  busy: boolean;
  /** How the body ended; the reader hears it once `read` was called and no promise of its is pending. */
  outcome: { error: Error } | { done: true } | undefined;
}

/** Tells the reader how the body ended, unless it has not called `read` yet or still holds a chunk. */
function settle(reader: BodyReader): void {
  const { outcome, resolve, reject } = reader;
  if (!outcome || !resolve || !reject || reader.busy) return;
  if ("error" in outcome) reject(outcome.error);
  else resolve();
}

const noBytes = Buffer.alloc(0);

class Connection {
  readonly #socket: Socket;
  /** Where reads land, and a second buffer for while the reader holds a chunk of the first (see `#nextReadBuffer`). */
  readonly #buffer = Buffer.allocUnsafe(readBufferBytes);
  #spare: Buffer | undefined;
  /** The memory of the chunk a pending promise of the reader holds. */
  #lent: ArrayBufferLike | undefined;
  #phase: Phase = { kind: "closed" };
  #timeoutMs: number;
  #onFinished: () => void = () => undefined;
  #signal: AbortSignal | undefined;
  /** Some byte of the current request's answer arrived. */
  answerStarted = false;
  readonly #onAbort = () => this.#fail(this.#signal?.reason as Error);

  constructor(target: URL, options: DownloadAgentOptions) {
    const host = target.hostname.replace(/^\[(.*)\]$/, "$1");
    // A function, not the buffer itself: Node asks it where each next read goes.
    const onread: net.OnReadOpts = { buffer: () => this.#nextReadBuffer(), callback: (n, buffer) => this.#onRead(Buffer.from(buffer.buffer, buffer.byteOffset, n)) };
    this.#timeoutMs = options.timeoutMs;
    this.#socket =
      target.protocol === "https:"
        ? // @types/node leaves `onread` out of tls.connect's options; Node documents and honours it (16 KiB records).
          tls.connect({ ...options.tls, host, port: Number(target.port || 443), ...(net.isIP(host) ? {} : { servername: host }), ALPNProtocols: ["http/1.1"], onread } as ConnectionOptions)
        : net.connect({ host, port: Number(target.port || 80), onread });
    this.#socket.setNoDelay(true);
    this.#socket.on("error", (err) => this.#fail(err));
    this.#socket.on("close", () => this.#closed());
    this.#socket.on("timeout", () => this.#fail(networkError(`no data for ${this.#timeoutMs / 1000} s`, "ETIMEDOUT")));
  }

  /** Sends a request's head and resolves with the answer's head. `onFinished` runs when the body ended and the connection can take another request. */
  exchange(head: Buffer, signal: AbortSignal | undefined, onFinished: () => void): Promise<DownloadAnswer> {
    return new Promise((resolve, reject) => {
      this.answerStarted = false;
      if (this.#socket.destroyed) return reject(networkError("the kept-alive connection was closed", "ECONNRESET"));
      this.#onFinished = onFinished;
      this.#phase = { kind: "head", parts: [], resolve, reject };
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

  /**
   * The buffer the next read lands in: the connection's one buffer, unless the reader holds a chunk of it. Reads
   * stop while it does, but TLS still hands over what it had already decrypted, which must not overwrite the chunk.
   * A reader that never holds a chunk past its call (a file sink) keeps all reads in the one buffer.
   */
  #nextReadBuffer(): Buffer {
    if (this.#lent !== this.#buffer.buffer) return this.#buffer;
    return (this.#spare ??= Buffer.allocUnsafe(readBufferBytes));
  }

  /** Every read lands here, a view of a read buffer; false pauses reading. */
  #onRead(view: Buffer): boolean {
    const phase = this.#phase;
    if (phase.kind === "head") return this.#readHead(phase, view);
    if (phase.kind === "body") {
      const reader = phase.reader;
      // A read while paused (TLS): kept, as a copy, since the buffer it is in takes the next read.
      if (!reader.onChunk || reader.busy) {
        reader.queue.push(Buffer.from(view));
        return false;
      }
      return this.#feed(phase, view, 0);
    }
    // Bytes nobody asked for (an idle connection, or after the body): this connection's framing cannot be trusted.
    this.#fail(undefined);
    return false;
  }

  #readHead(phase: Extract<Phase, { kind: "head" }>, view: Buffer): boolean {
    this.answerStarted = true;
    phase.parts.push(Buffer.from(view));
    let bytes = phase.parts.length === 1 ? phase.parts[0]! : Buffer.concat(phase.parts);
    phase.parts = [bytes];
    for (;;) {
      const found = headEnd(bytes);
      if (found ? found.end > maxHeadBytes : bytes.length > maxHeadBytes) {
        this.#fail(tooLong("the answer's head"));
        return false;
      }
      if (!found) return true;
      let answer: ParsedHead;
      try {
        answer = parseHead(bytes.subarray(0, found.end).toString("latin1"));
      } catch (err) {
        this.#fail(err as Error);
        return false;
      }
      const rest = bytes.subarray(found.next);
      // Interim answers (100 Continue, 103 Early Hints) come before the real one.
      if (answer.status < 200 && answer.status !== 101) {
        bytes = rest;
        phase.parts = [rest];
        continue;
      }
      if (answer.status === 101) {
        this.#fail(networkError("the server switched protocols, which a download never asks for", "EPROTO"));
        return false;
      }
      let framing: Framing;
      try {
        framing = framingOf(answer);
      } catch (err) {
        this.#fail(err as Error);
        return false;
      }
      const reader: BodyReader = { onChunk: undefined, resolve: undefined, reject: undefined, queue: rest.length > 0 ? [rest] : [], busy: false, outcome: undefined };
      const body: BodyPhase = { kind: "body", framing, reusable: answer.keepAlive && framing.delimited, reader, closed: false };
      this.#phase = body;
      phase.resolve({ status: answer.status, statusText: answer.statusText, headers: answer.headers, body: this.#bodyOf(body), lengthUnchecked: framing.endsAtClose });
      // Paused until the body is read: the bytes after the head wait in the queue meanwhile. The idle timer keeps
      // running, so a body its caller never reads nor discards still frees its connection after timeoutMs.
      if (!framing.done) return false;
      // No body (204, 304, Content-Length: 0): bytes after the head are bytes after the body.
      if (rest.length > 0) body.reusable = false;
      return this.#finish(body);
    }
  }

  #bodyOf(phase: BodyPhase): ResponseBody {
    const reader = phase.reader;
    let taken = false;
    return {
      read: (onChunk) => {
        if (taken) return Promise.reject(new Error("the body was already read"));
        taken = true;
        return new Promise<void>((resolve, reject) => {
          Object.assign(reader, { onChunk, resolve, reject });
          if (reader.outcome) settle(reader);
          else if (this.#feed(phase, noBytes, 0)) this.#resumeReading();
        });
      },
      discard: () => {
        if (this.#phase !== phase) return;
        const discarded = networkError("the body was discarded before its end", "ECONNABORTED");
        if (taken) return this.#fail(discarded);
        taken = true;
        // The rest of a small body (an error's) may have come with the head: taking it keeps the connection.
        reader.onChunk = () => undefined;
        const reading = this.#feed(phase, noBytes, 0);
        if (this.#phase === phase) this.#fail(discarded);
        else if (reading) this.#resumeReading();
      },
    };
  }

  /**
   * Gives the body's bytes to the reader: those in `view` from `at`, then the queued ones. Returns whether to go
   * on reading: false while a promise of the reader is pending (its chunk stays valid while reading is paused), or
   * after the end.
   */
  #feed(phase: BodyPhase, view: Buffer, at: number): boolean {
    const { framing, reader } = phase;
    for (;;) {
      while (at < view.length && !framing.done) {
        let taken: Taken;
        let pending: void | Promise<void>;
        try {
          taken = framing.take(view, at);
          at = taken.next;
          if (taken.end === taken.start) continue;
          pending = reader.onChunk!(view.subarray(taken.start, taken.end));
        } catch (err) {
          this.#fail(err as Error);
          return false;
        }
        if (pending) {
          reader.busy = true;
          this.#lent = view.buffer;
          const from = at;
          const free = () => {
            reader.busy = false;
            this.#lent = undefined;
          };
          pending.then(
            () => {
              free();
              if (this.#phase !== phase) settle(reader);
              else if (this.#feed(phase, view, from)) this.#resumeReading();
            },
            (err: unknown) => {
              free();
              if (this.#phase !== phase) settle(reader);
              // A rejection without an error is still a failure, never the end of a body delimited by the close.
              else this.#fail(err instanceof Error ? err : new Error(`the body's reader failed: ${String(err)}`));
            },
          );
          return this.#pauseForReader();
        }
        // The reader aborted or discarded the body from within its call: nothing more is given to it.
        if (this.#phase !== phase) return false;
      }
      // Bytes after the body's end: not the start of an answer (one request at a time), so never reuse this connection.
      if (framing.done) {
        if (at < view.length || reader.queue.length > 0) phase.reusable = false;
        return this.#finish(phase);
      }
      const next = reader.queue.shift();
      if (!next) break;
      view = next;
      at = 0;
    }
    if (!phase.closed) return true;
    this.#ended(phase);
    return false;
  }

  /**
   * Reading stops until the reader lets go of its chunk. The idle timeout measures the server's
   * silence, and the server is not silent while nothing is read: a reader slower than `timeoutMs` (a slow disk)
   * would otherwise fail a healthy transfer with ETIMEDOUT. So the timer stops here, until `#resumeReading`.
   */
  #pauseForReader(): false {
    this.#socket.setTimeout(0);
    return false;
  }

  /** Reads on after `#pauseForReader`, timing the server's silence again; a connection now idle keeps its keep-alive timer. */
  #resumeReading(): void {
    if (this.#phase.kind === "body") this.#socket.setTimeout(this.#timeoutMs);
    this.#socket.resume();
  }

  /**
   * The body is complete: the reader is told, and the connection goes back to its agent (and returns true: it
   * reads on while idle) or is closed.
   */
  #finish(phase: BodyPhase): boolean {
    this.#release();
    this.#phase = { kind: "closed" };
    phase.reader.outcome = { done: true };
    settle(phase.reader);
    if (!phase.reusable || this.#socket.destroyed) {
      this.#socket.destroy();
      return false;
    }
    this.#onFinished();
    return true;
  }

  /** The socket closed; bytes that came before the close and still wait for the reader go first. */
  #closed(): void {
    const phase = this.#phase;
    if (phase.kind === "body" && (phase.reader.busy || phase.reader.queue.length > 0)) phase.closed = true;
    else this.#ended(phase);
  }

  /** The connection ended, every byte before its end given out: the end of a close-delimited body; else a failure. */
  #ended(phase: Phase): void {
    if (phase.kind === "body" && phase.framing.endsAtClose) {
      phase.reusable = false;
      phase.framing.done = true;
      this.#finish(phase);
    } else this.#fail(undefined);
  }

  /** A failure of the socket (or the one in `err`): whatever the current request is waiting for rejects with it. */
  #fail(err: Error | undefined): void {
    const phase = this.#phase;
    this.#phase = { kind: "closed" };
    this.#release();
    this.#socket.destroy();
    if (phase.kind === "idle") phase.onClose();
    else if (phase.kind === "head") {
      phase.reject(err ?? networkError(!this.answerStarted ? "the connection closed before the answer" : "the connection closed in the middle of the answer's head", "ECONNRESET"));
    } else if (phase.kind === "body") {
      phase.reader.queue = [];
      phase.reader.outcome = { error: err ?? networkError(`the connection closed before the body's end (${phase.framing.describe()})`, "ECONNRESET") };
      settle(phase.reader);
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
    // A value is visible characters, spaces and tabs (§5.5): a control character is refused here, not by Headers.
    const field = /^([!#$%&'*+.^_`|~0-9A-Za-z-]+):[ \t]*([\t\x20-\x7e\x80-\xff]*?)[ \t]*$/.exec(line);
    if (!field) throw networkError(`malformed header line in the answer: ${JSON.stringify(line.slice(0, 80))}`, "EPROTO");
    headers.append(field[1]!, field[2]!);
  }
  const tokens = (headers.get("connection") ?? "").toLowerCase().split(/\s*,\s*/);
  // Transfer-Encoding beside Content-Length, or in an HTTP/1.0 answer, may be an attempt at response splitting:
  // the body is read as chunked, and the connection closed after it (RFC 9112 §6.1, §6.3 rule 3).
  const suspect = headers.has("transfer-encoding") && (headers.has("content-length") || status[1] === "0");
  const keepAlive = !suspect && (status[1] === "1" ? !tokens.includes("close") : tokens.includes("keep-alive"));
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
    // The request sends no TE field, so chunked is the one coding a server may apply (RFC 9110 §10.1.4): bytes in
    // any other (gzip) would reach the file as the package's own.
    if (coding.trim().toLowerCase() !== "chunked") throw networkError(`the answer has a transfer coding the request did not accept: ${JSON.stringify(coding)}`, "EPROTO");
    return chunkedFraming();
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

/**
 * Chunked transfer coding (RFC 9112 §7.1): size lines (extensions ignored), data, CRLF; a 0 size, then trailer
 * lines. Lines may end in a bare LF, as a head's (§2.2).
 */
function chunkedFraming(): Framing {
  type State = "size" | "data" | "data-end" | "trailer";
  let state: State = "size";
  let line = "";
  let left = 0;
  let received = 0;
  /** The trailer section's bytes so far: its lines are each bounded, and together bounded like a head. */
  let trailerBytes = 0;
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
      if (state === "trailer" && (trailerBytes += stop - at) > maxHeadBytes) throw tooLong("the chunked body's trailer section");
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
