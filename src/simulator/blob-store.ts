import { createHash, createHmac, timingSafeEqual } from "node:crypto";
import { XMLParser, XMLValidator } from "fast-xml-parser";
import type { Exchange } from "./http.ts";
import { escapeXml, rangeStart } from "./export-package.ts";
import type { SeededRandom } from "./random.ts";

/**
 * The Azure blob container (`dmf`) behind the data management package API: GetAzureWriteUrl hands out a
 * write SAS into it, exports and error files are read from it with a read SAS. It listens on its own
 * origin, as Azure storage does, so a client that sends the F&O token by origin would be caught sending it
 * here (docs/platform-assumptions.md, "Data management package API").
 */

/** Who put a blob there: a client upload, an export package, or an error file the import made. */
export type BlobKind = "upload" | "export-package" | "error-keys" | "staging-errors";

export interface StoredBlob {
  name: string;
  kind: BlobKind;
  bytes: Buffer;
  sha256: string;
  /** Quoted, as Azure sends it. */
  etag: string;
  createdAt: number;
  /** Simulated time from which GET serves it (an export package appears when its execution ends). */
  availableAt: number;
  /** Simulated time from which it is gone (404): F&O's blob files are kept 7 days. */
  deletedAt: number;
}

/** A blob as the admin API and tests see it. */
export interface BlobState {
  name: string;
  kind: BlobKind;
  size: number;
  sha256: string;
  createdAt: string;
  availableAt: string;
  deletedAt: string;
}

export type SasPermission = "r" | "w";

/** An Azure storage error: status, `<Code>`, `<Message>` and the extra elements some codes carry. */
export interface AzureError {
  status: number;
  code: string;
  message: string;
  details?: Record<string, string>;
}

/** The signed version Microsoft's DMF SAS URLs carry (data-management-api examples). */
const SAS_VERSION = "2014-02-14";
/**
 * The largest blob one Put Blob writes at SAS_VERSION: 64 MiB before 2016-05-31 (Azure "Understanding block blobs,
 * append blobs, and page blobs"). A SAS request runs at its `sv`, whatever `x-ms-version` it sends. Kept apart from
 * the client's table on purpose: the simulator is the client's independent check.
 */
export const PUT_BLOB_LIMIT_BYTES = 64 * 1024 * 1024;
/** The largest block one Put Block takes at SAS_VERSION: 4 MiB before 2016-05-31 (Azure "Put Block", Remarks). */
export const PUT_BLOCK_LIMIT_BYTES = 4 * 1024 * 1024;
/** Blocks a committed block blob holds at most, and uncommitted blocks one blob may have (Azure "Put Block List", "Put Block"). */
const MAX_COMMITTED_BLOCKS = 50_000;
const MAX_UNCOMMITTED_BLOCKS = 100_000;
/** A block ID is at most 64 bytes before its base64 encoding (Azure "Put Block", blockid). */
const MAX_BLOCK_ID_BYTES = 64;
const CONTAINER = "dmf";
const ACCOUNT = "simulatorblobs";

export class BlobStore {
  /** `http://127.0.0.1:<port>`, no trailing slash. */
  readonly origin: string;
  readonly #key: Buffer;
  readonly #blobs = new Map<string, StoredBlob>();
  /** Each blob's blocks, by blob name; a blob written by Put Blob (or by the simulator) has none. */
  readonly #blocks = new Map<string, BlockLists>();
  readonly #retentionMs: number;
  #authorizationAttempts = 0;

  constructor(origin: string, random: SeededRandom, retentionMs: number) {
    this.origin = origin;
    this.#key = random.bytes(32);
    this.#retentionMs = retentionMs;
  }

  /** A service SAS URL for one blob, valid from `now` for `lifetimeMs`, shaped like the DMF ones. */
  sasUrl(name: string, permission: SasPermission, now: number, lifetimeMs: number): string {
    const st = isoSeconds(now);
    const se = isoSeconds(now + lifetimeMs);
    const sp = permission === "w" ? "rw" : "r";
    const sig = this.#sign(name, sp, st, se);
    const query = new URLSearchParams({ sv: SAS_VERSION, sr: "b", sig, st, se, sp });
    return `${this.origin}/${CONTAINER}/${encodeURIComponent(name)}?${query}`;
  }

  /** The blob name a URL on this store points at, or undefined for any other URL. */
  nameOf(url: string): string | undefined {
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      return undefined;
    }
    if (parsed.origin !== this.origin) return undefined;
    const match = new RegExp(`^/${CONTAINER}/([^/]+)$`).exec(parsed.pathname);
    if (!match) return undefined;
    try {
      return decodeURIComponent(match[1]!);
    } catch {
      return undefined;
    }
  }

  /** Stores bytes under `name` (replacing any blob there, and dropping its blocks, as Put Blob does). */
  put(name: string, kind: BlobKind, bytes: Buffer, now: number, availableAt = now): StoredBlob {
    this.#blocks.delete(name);
    const sha256 = createHash("sha256").update(bytes).digest("hex");
    const blob: StoredBlob = {
      name,
      kind,
      bytes,
      sha256,
      etag: `"0x${sha256.slice(0, 15).toUpperCase()}"`,
      createdAt: now,
      availableAt,
      deletedAt: availableAt + this.#retentionMs,
    };
    this.#blobs.set(name, blob);
    return blob;
  }

  /** The blob if it exists at `now` (available and not yet deleted). */
  get(name: string, now: number): StoredBlob | undefined {
    const blob = this.#blobs.get(name);
    return blob && blob.availableAt <= now && now < blob.deletedAt ? blob : undefined;
  }

  blobs(): BlobState[] {
    return [...this.#blobs.values()].map((blob) => ({
      name: blob.name,
      kind: blob.kind,
      size: blob.bytes.length,
      sha256: blob.sha256,
      createdAt: new Date(blob.createdAt).toISOString(),
      availableAt: new Date(blob.availableAt).toISOString(),
      deletedAt: new Date(blob.deletedAt).toISOString(),
    }));
  }

  /** Requests that reached the store with an `Authorization` header (each one refused). */
  authorizationAttempts(): number {
    return this.#authorizationAttempts;
  }

  /**
   * What is wrong with a request's credentials, or undefined when its SAS allows `permission` on the blob.
   * Any `Authorization` header is refused and counted: a SAS URL is all a client may send here.
   */
  refusal(exchange: Exchange, name: string, permission: SasPermission, now: number): AzureError | undefined {
    if (exchange.header("authorization") !== undefined) {
      this.#authorizationAttempts++;
      return authenticationFailed(now, "The request carried an Authorization header; requests to a SAS URL must carry only the SAS (simulator rule).");
    }
    const query = exchange.url.searchParams;
    const field = (key: string) => query.get(key) ?? "";
    const [sv, sr, sig, st, se, sp] = [field("sv"), field("sr"), field("sig"), field("st"), field("se"), field("sp")];
    if (!sig || !se || !sp || sr !== "b" || sv !== SAS_VERSION) {
      // No usable SAS at all: Azure treats the request as anonymous, which a private container refuses.
      return { status: 404, code: "ResourceNotFound", message: "The specified resource does not exist." };
    }
    if (!this.#signatureMatches(sig, this.#sign(name, sp, st, se))) {
      return authenticationFailed(now, "Signature did not match.");
    }
    const expiry = Date.parse(se);
    if (!(now < expiry)) {
      return authenticationFailed(now, `Signed expiry time [${new Date(expiry).toUTCString()}] must be after signed start time [${new Date(now).toUTCString()}]`);
    }
    if (!sp.includes(permission)) {
      return { status: 403, code: "AuthorizationPermissionMismatch", message: "This request is not authorized to perform this operation using this permission." };
    }
    return undefined;
  }

  /** Put Blob: needs `x-ms-blob-type: BlockBlob`; answers 201 with the blob's ETag. Resolves whether the blob was stored. */
  async handlePut(exchange: Exchange, name: string, body: Buffer, now: number): Promise<boolean> {
    const comp = exchange.url.searchParams.get("comp");
    if (comp !== null) {
      // Put Block and Put Block List have routes of their own; any other `comp` names no blob operation the store serves.
      await sendAzureError(exchange, now, invalidQueryParameter("comp", comp));
      return false;
    }
    const blobType = exchange.header("x-ms-blob-type");
    if (blobType === undefined) {
      await sendAzureError(exchange, now, { status: 400, code: "MissingRequiredHeader", message: "An HTTP header that's mandatory for this request is not specified.", details: { HeaderName: "x-ms-blob-type" } });
      return false;
    }
    if (blobType !== "BlockBlob") {
      // Page and append blobs exist in Azure, but a DMF package is a block blob; the simulator stores no other kind.
      await sendAzureError(exchange, now, { status: 400, code: "InvalidHeaderValue", message: "The value for one of the HTTP headers is not in the correct format.", details: { HeaderName: "x-ms-blob-type", HeaderValue: blobType } });
      return false;
    }
    const blob = this.put(name, "upload", body, now);
    await exchange.empty(201, { etag: blob.etag, "last-modified": new Date(now).toUTCString(), "x-ms-request-server-encrypted": "true", ...azureHeaders(now) });
    return true;
  }

  /**
   * Put Block (`?comp=block&blockid=<base64>`): keeps the body as an uncommitted block of the blob, which GET does not
   * see until a Put Block List commits it. Putting a block again under the same ID replaces it, so a retried block is
   * harmless. Answers 201 with the block's Content-MD5, as Azure does.
   */
  async handlePutBlock(exchange: Exchange, name: string, body: Buffer, now: number): Promise<boolean> {
    const blockId = exchange.url.searchParams.get("blockid");
    if (blockId === null) {
      await sendAzureError(exchange, now, { status: 400, code: "MissingRequiredQueryParameter", message: "A query parameter that's mandatory for this request is not specified.", details: { QueryParameterName: "blockid" } });
      return false;
    }
    const decoded = base64Bytes(blockId);
    if (decoded === undefined || decoded === 0 || decoded > MAX_BLOCK_ID_BYTES) {
      await sendAzureError(exchange, now, invalidQueryParameter("blockid", blockId, `A block ID is a base64 string of at most ${MAX_BLOCK_ID_BYTES} bytes before encoding.`));
      return false;
    }
    const lists: BlockLists = this.#blocks.get(name) ?? { uncommitted: new Map(), committed: new Map(), idLength: undefined };
    if (lists.idLength !== undefined && blockId.length !== lists.idLength) {
      // "For a specified blob, the length of the value for the blockid parameter must be the same size for each block."
      await sendAzureError(exchange, now, { status: 400, code: "InvalidBlobOrBlock", message: "The specified blob or block content is invalid." });
      return false;
    }
    if (!lists.uncommitted.has(blockId) && lists.uncommitted.size >= MAX_UNCOMMITTED_BLOCKS) {
      await sendAzureError(exchange, now, { status: 409, code: "BlockCountExceedsLimit", message: "The uncommitted block count cannot exceed the maximum limit of 100,000 blocks." });
      return false;
    }
    lists.idLength = blockId.length;
    lists.uncommitted.set(blockId, body);
    this.#blocks.set(name, lists);
    await exchange.empty(201, { "content-md5": createHash("md5").update(body).digest("base64"), "x-ms-request-server-encrypted": "true", ...azureHeaders(now) });
    return true;
  }

  /**
   * Put Block List (`?comp=blocklist`): writes the blob from the blocks its XML names, in order. `<Latest>` takes the
   * uncommitted block of that ID, else the committed one, so sending the same list again after it was committed
   * writes the same blob (a retried commit is harmless); `<Committed>` and `<Uncommitted>` look in one list only. A
   * block the lists do not hold fails the whole call with 400 InvalidBlockList. Uncommitted blocks the list leaves
   * out are discarded. Resolves whether the blob was written.
   */
  async handlePutBlockList(exchange: Exchange, name: string, body: Buffer, now: number): Promise<boolean> {
    const entries = parseBlockList(body.toString("utf8"));
    if (entries === undefined) {
      await sendAzureError(exchange, now, { status: 400, code: "InvalidXmlDocument", message: "XML specified is not syntactically valid." });
      return false;
    }
    if (entries.length > MAX_COMMITTED_BLOCKS) {
      await sendAzureError(exchange, now, { status: 400, code: "BlockListTooLong", message: `The block list may not contain more than ${MAX_COMMITTED_BLOCKS} blocks.` });
      return false;
    }
    const lists: BlockLists = this.#blocks.get(name) ?? { uncommitted: new Map(), committed: new Map(), idLength: undefined };
    const parts: Buffer[] = [];
    for (const { list, id } of entries) {
      const block = list === "Committed" ? lists.committed.get(id) : list === "Uncommitted" ? lists.uncommitted.get(id) : (lists.uncommitted.get(id) ?? lists.committed.get(id));
      if (block === undefined) {
        await sendAzureError(exchange, now, { status: 400, code: "InvalidBlockList", message: "The specified block list is invalid." });
        return false;
      }
      parts.push(block);
    }
    const blob = this.put(name, "upload", Buffer.concat(parts), now);
    // The committed blocks are views of the blob's bytes, not copies.
    const committed = new Map<string, Buffer>();
    let offset = 0;
    entries.forEach(({ id }, index) => {
      const size = parts[index]!.length;
      committed.set(id, blob.bytes.subarray(offset, offset + size));
      offset += size;
    });
    this.#blocks.set(name, { uncommitted: new Map(), committed, idLength: entries[0]?.id.length ?? lists.idLength });
    await exchange.empty(201, { etag: blob.etag, "last-modified": new Date(now).toUTCString(), "x-ms-request-server-encrypted": "true", ...azureHeaders(now) });
    return true;
  }

  /** Get Blob: the bytes with Content-Length and ETag; one `bytes=N-` range gives 206. Resolves whether the body was sent in full. */
  async handleGet(exchange: Exchange, name: string, now: number): Promise<boolean> {
    const blob = this.get(name, now);
    if (!blob) {
      await sendAzureError(exchange, now, { status: 404, code: "BlobNotFound", message: "The specified blob does not exist." });
      return false;
    }
    const size = blob.bytes.length;
    const headers: Record<string, string> = {
      "content-type": blob.kind === "export-package" || blob.kind === "upload" ? "application/octet-stream" : "text/csv",
      etag: blob.etag,
      "last-modified": new Date(blob.availableAt).toUTCString(),
      "accept-ranges": "bytes",
      "x-ms-blob-type": "BlockBlob",
      ...azureHeaders(now),
    };
    const ifRange = exchange.header("if-range");
    const start = ifRange === undefined || ifRange === blob.etag ? rangeStart(exchange.header("range"), size) : undefined;
    if (start === undefined) return (await exchange.stream(200, headers, size, [blob.bytes])).complete;
    headers["content-range"] = `bytes ${start}-${size - 1}/${size}`;
    return (await exchange.stream(206, headers, size - start, [blob.bytes.subarray(start)])).complete;
  }

  #sign(name: string, sp: string, st: string, se: string): string {
    // The service SAS string-to-sign, reduced to the fields this store issues (Service SAS, "Version 2013-08-15 and later").
    const stringToSign = [sp, st, se, `/blob/${ACCOUNT}/${CONTAINER}/${name}`, "", "", "", SAS_VERSION].join("\n");
    return createHmac("sha256", this.#key).update(stringToSign, "utf8").digest("base64");
  }

  #signatureMatches(given: string, expected: string): boolean {
    const a = Buffer.from(given);
    const b = Buffer.from(expected);
    return a.length === b.length && timingSafeEqual(a, b);
  }
}

/** A blob's blocks: those put and not yet committed, and those its last Put Block List committed, by block ID. */
interface BlockLists {
  uncommitted: Map<string, Buffer>;
  committed: Map<string, Buffer>;
  /** The length of the blob's block IDs (all must have the same); undefined before the first block. */
  idLength: number | undefined;
}

type BlockListEntry = { list: "Latest" | "Committed" | "Uncommitted"; id: string };

const blockListParser = new XMLParser({ preserveOrder: true, ignoreAttributes: true, parseTagValue: false, trimValues: true });

/** The entries of a Put Block List body, in order, or undefined when it is not `<BlockList>` of those three elements. */
function parseBlockList(xml: string): BlockListEntry[] | undefined {
  if (XMLValidator.validate(xml) !== true) return undefined;
  type Node = Record<string, unknown>;
  const roots = (blockListParser.parse(xml) as Node[]).filter((node) => !("?xml" in node));
  const children = roots.length === 1 ? roots[0]!.BlockList : undefined;
  if (!Array.isArray(children)) return undefined;
  const entries: BlockListEntry[] = [];
  for (const child of children as Node[]) {
    const [element, content] = Object.entries(child)[0] ?? [];
    if (element !== "Latest" && element !== "Committed" && element !== "Uncommitted") return undefined;
    const text = Array.isArray(content) ? (content as Node[])[0]?.["#text"] : undefined;
    entries.push({ list: element, id: typeof text === "string" ? text : "" });
  }
  return entries;
}

/** The byte length a base64 string decodes to, or undefined when it is not base64. */
function base64Bytes(text: string): number | undefined {
  if (text.length % 4 !== 0 || !/^[A-Za-z0-9+/]*={0,2}$/.test(text)) return undefined;
  return Buffer.from(text, "base64").length;
}

function invalidQueryParameter(name: string, value: string, reason?: string): AzureError {
  return {
    status: 400,
    code: "InvalidQueryParameterValue",
    message: "Value for one of the query parameters specified in the request URI is invalid.",
    details: { QueryParameterName: name, QueryParameterValue: value, ...(reason ? { Reason: reason } : {}) },
  };
}

/** 403 AuthenticationFailed with Azure's message and the reason in AuthenticationErrorDetail. */
function authenticationFailed(now: number, detail: string): AzureError {
  return {
    status: 403,
    code: "AuthenticationFailed",
    message: `Server failed to authenticate the request. Make sure the value of Authorization header is formed correctly including the signature.\nTime:${new Date(now).toISOString()}`,
    details: { AuthenticationErrorDetail: detail },
  };
}

/** Azure's XML error body (`<Error><Code>…</Code><Message>…</Message>…</Error>`) with `x-ms-error-code`. */
export async function sendAzureError(exchange: Exchange, now: number, error: AzureError, extraHeaders: Record<string, string> = {}): Promise<void> {
  const details = Object.entries(error.details ?? {})
    .map(([element, text]) => `<${element}>${escapeXml(text)}</${element}>`)
    .join("");
  const body = Buffer.from(`<?xml version="1.0" encoding="utf-8"?><Error><Code>${error.code}</Code><Message>${escapeXml(error.message)}</Message>${details}</Error>`);
  await exchange.stream(error.status, { "content-type": "application/xml", "x-ms-error-code": error.code, ...azureHeaders(now), ...extraHeaders }, body.length, [body]);
}

function azureHeaders(now: number): Record<string, string> {
  return { "x-ms-version": SAS_VERSION, date: new Date(now).toUTCString() };
}

/** Azure writes SAS times to the second. */
function isoSeconds(time: number): string {
  return new Date(Math.floor(time / 1000) * 1000).toISOString().replace(".000Z", "Z");
}
