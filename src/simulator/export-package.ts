import { createHash } from "node:crypto";
import { Readable } from "node:stream";
import { ZipFile } from "yazl";
import { SeededRandom, deriveSeed } from "./random.ts";

/** The bytes behind one export message's download, opened afresh for every download. */
export interface ExportBody {
  open(): Promise<OpenedBody>;
}

export interface OpenedBody {
  /** Exact number of bytes `stream` yields: the download's Content-Length. */
  size: number;
  stream: Readable;
}

export interface GeneratedPackage {
  /** The data entity, or several in manifest order; each has a CSV entry named after it. */
  entity: string | string[];
  /** Size of each CSV entry in bytes; the zip adds a few hundred bytes of headers around them. */
  dataBytes: number;
  /** Seed of the first entity's CSV rows (the others derive theirs from it); the same seed always gives the same package, byte for byte. */
  contentSeed: number;
}

/**
 * A data package shaped like an F&O export (`Manifest.xml`, `PackageHeader.xml` and one file per entity;
 * docs/platform-assumptions.md, "F&O API behaviour"), generated while it streams so that a 1 GiB package
 * costs no memory.
 *
 * yazl can announce the final size before any byte is produced (its `calculatedTotalSizeCallback`),
 * provided every entry is stored rather than deflated and every streamed entry declares its size; both
 * hold here, so the size becomes Content-Length and the zip is piped straight into the response.
 */
export function generatedPackage(content: GeneratedPackage): ExportBody {
  return {
    open: () =>
      new Promise<OpenedBody>((resolve) => {
        const zip = new ZipFile();
        const options = { compress: false, mtime: PACKAGE_MTIME };
        const entities = typeof content.entity === "string" ? [content.entity] : content.entity;
        zip.addBuffer(manifestXml(entities), "Manifest.xml", options);
        zip.addBuffer(packageHeaderXml(), "PackageHeader.xml", options);
        const rows: Readable[] = [];
        entities.forEach((entity, index) => {
          const seed = index === 0 ? content.contentSeed : deriveSeed(content.contentSeed, entity);
          zip.addReadStreamLazy(`${entity}.csv`, { ...options, size: content.dataBytes }, (cb) => {
            const entityRows = Readable.from(csvChunks(content.dataBytes, seed));
            rows.push(entityRows);
            cb(null, entityRows);
          });
        });
        const stream = zip.outputStream as Readable;
        // A client that hangs up (or an injected reset) destroys the output; stop generating rows too.
        stream.once("close", () => rows.forEach((entityRows) => entityRows.destroy()));
        endWithSize(zip, (size) => resolve({ size, stream }));
      }),
  };
}

/** Explicit bytes, served as they are (a test can seed a corrupt zip or a non-zip file). */
export function fixedBytes(bytes: Uint8Array): ExportBody {
  const copy = Buffer.from(bytes);
  return { open: async () => ({ size: copy.length, stream: Readable.from([copy]) }) };
}

/** The bytes of `stream` from offset `start` on (a Range request's part): earlier chunks are dropped or cut. */
export async function* fromOffset(stream: AsyncIterable<Buffer>, start: number): AsyncGenerator<Buffer> {
  let skip = start;
  for await (const chunk of stream) {
    if (skip >= chunk.length) {
      skip -= chunk.length;
      continue;
    }
    yield skip > 0 ? chunk.subarray(skip) : chunk;
    skip = 0;
  }
}

/**
 * The first byte a `Range` header asks for, when it is one range `bytes=<start>-[<end>]` that starts inside a
 * body of `size` bytes and runs to its end (all a resuming client asks for); undefined for anything else, which
 * is then answered with the whole body.
 */
export function rangeStart(header: string | undefined, size: number): number | undefined {
  const match = header === undefined ? null : /^bytes=(\d+)-(\d*)$/.exec(header.trim());
  if (!match) return undefined;
  const start = Number(match[1]);
  const end = match[2] === "" ? size - 1 : Number(match[2]);
  return start < size && end === size - 1 ? start : undefined;
}

/** Reads a body once, as a client would, to learn the SHA-256 a correct download must have. */
export async function measureBody(body: ExportBody): Promise<{ size: number; sha256: string }> {
  const { size, stream } = await body.open();
  const hash = createHash("sha256");
  let read = 0;
  for await (const chunk of stream) {
    hash.update(chunk as Buffer);
    read += (chunk as Buffer).length;
  }
  if (read !== size) throw new Error(`export body announced ${size} bytes but produced ${read}`);
  return { size, sha256: hash.digest("hex") };
}

// A fixed timestamp keeps the zip headers, and so the SHA-256, identical from run to run.
const PACKAGE_MTIME = new Date(Date.UTC(2024, 0, 1));

/**
 * The @types/yazl declaration gives the size callback no parameter, while yazl passes the computed
 * total (README, `end([options], [calculatedTotalSizeCallback])`); this narrows `end` to the real signature.
 */
function endWithSize(zip: ZipFile, onSize: (size: number) => void): void {
  const end = zip.end as (this: ZipFile, options: undefined, callback: (size: number) => void) => void;
  end.call(zip, undefined, (size) => {
    if (size < 0) throw new Error("yazl could not compute the package size: every entry must be stored with a known size");
    onSize(size);
  });
}

function manifestXml(entities: string[]): Buffer {
  // RIS reads `//EntityName` and rewrites `InputFilePath` in real manifests; the rest of
  // a real manifest is left out.
  const entries = entities.map((entity) => {
    const name = escapeXml(entity);
    return (
      `    <DataManagementPackageEntityData>\r\n      <EntityName>${name}</EntityName>\r\n` +
      `      <InputFilePath>${name}.csv</InputFilePath>\r\n    </DataManagementPackageEntityData>\r\n`
    );
  });
  return Buffer.from(
    `<?xml version="1.0" encoding="utf-8"?>\r\n<DataManagementPackageManifest>\r\n  <PackageEntityList>\r\n` +
      entries.join("") +
      `  </PackageEntityList>\r\n</DataManagementPackageManifest>\r\n`,
  );
}

function packageHeaderXml(): Buffer {
  // Placeholder: clients skip this entry (RIS does when unzipping).
  return Buffer.from(
    `<?xml version="1.0" encoding="utf-8"?>\r\n<DataManagementPackageHeader>\r\n` +
      `  <Description>Generated by the fno-connector simulator</Description>\r\n</DataManagementPackageHeader>\r\n`,
  );
}

export function escapeXml(text: string): string {
  return text.replace(/[<>&"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

const CSV_HEADER = Buffer.from("LINENUMBER,REFERENCE,AMOUNT\r\n");
// `000000000001,9f86d081884c7d65,0001234567.89\r\n`: fixed width, so rows are written in place.
const ROW_BYTES = 45;
// Line numbers are 9 chunk digits and 3 row digits; with 1,000 rows per chunk the row digits, and so the
// whole chunk but its first 9 columns, repeat from chunk to chunk. Generating is then a copy plus 9 bytes a
// row, fast enough that downloads are limited by the network path rather than by the simulator.
const ROWS_PER_CHUNK = 1000;
const CHUNK_DIGITS = 9;
const HEX = Buffer.from("0123456789abcdef");

/** CSV rows numbered from 1 with seeded references and amounts, cut at exactly `size` bytes. */
function* csvChunks(size: number, seed: number): Generator<Buffer> {
  let remaining = size;
  const header = CSV_HEADER.subarray(0, remaining);
  remaining -= header.length;
  if (header.length > 0) yield header;
  const template = rowsTemplate(new SeededRandom(seed));
  for (let chunkIndex = 0; remaining > 0; chunkIndex++) {
    const chunk = Buffer.from(template);
    // Rows 1..999 of chunk n are lines n*1000+1..n*1000+999; the last row, n*1000+1000, carries into n+1.
    const digits = Buffer.alloc(2 * CHUNK_DIGITS);
    writeDigits(digits, 0, CHUNK_DIGITS, chunkIndex);
    writeDigits(digits, CHUNK_DIGITS, CHUNK_DIGITS, chunkIndex + 1);
    for (let row = 0; row < ROWS_PER_CHUNK; row++) {
      const from = row === ROWS_PER_CHUNK - 1 ? CHUNK_DIGITS : 0;
      for (let i = 0; i < CHUNK_DIGITS; i++) chunk[row * ROW_BYTES + i] = digits[from + i]!;
    }
    const out = chunk.length > remaining ? chunk.subarray(0, remaining) : chunk;
    remaining -= out.length;
    yield out;
  }
}

/** One chunk's rows with the row digits of the line number filled in and the chunk digits left to stamp. */
function rowsTemplate(random: SeededRandom): Buffer {
  const rows = Buffer.alloc(ROWS_PER_CHUNK * ROW_BYTES);
  for (let row = 0; row < ROWS_PER_CHUNK; row++) {
    const at = row * ROW_BYTES;
    writeDigits(rows, at + CHUNK_DIGITS, 3, (row + 1) % 1000);
    rows[at + 12] = 0x2c; // ,
    writeHex(rows, at + 13, random.nextUint32());
    writeHex(rows, at + 21, random.nextUint32());
    rows[at + 29] = 0x2c;
    // Amount: up to 42,949,672.95.
    const cents = random.nextUint32();
    writeDigits(rows, at + 30, 10, Math.floor(cents / 100));
    rows[at + 40] = 0x2e; // .
    writeDigits(rows, at + 41, 2, cents % 100);
    rows[at + 43] = 0x0d;
    rows[at + 44] = 0x0a;
  }
  return rows;
}

/** Writes `value` as `width` zero-padded decimal digits. */
function writeDigits(buf: Buffer, at: number, width: number, value: number): void {
  let rest = value;
  for (let i = width - 1; i >= 0; i--) {
    buf[at + i] = 0x30 + (rest % 10);
    rest = Math.floor(rest / 10);
  }
}

function writeHex(buf: Buffer, at: number, word: number): void {
  for (let i = 0; i < 8; i++) buf[at + i] = HEX[(word >>> (28 - 4 * i)) & 0xf]!;
}
