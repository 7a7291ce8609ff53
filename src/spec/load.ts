import { closeSync, constants, fstatSync, openSync, readSync, realpathSync } from "node:fs";
import path from "node:path";
import { LineCounter, isAlias, isMap, isPair, isScalar, isSeq, parseDocument, visit, type Alias, type Document, type Node } from "yaml";
import { joinPointer, splitPointer } from "./pointer.ts";
import { errorCodes, ToolError } from "../errors/index.ts";

/** A place in a source file, 1-based as editors show it. */
export interface SourcePosition {
  file: string;
  line: number;
  column: number;
}

export type SpecErrorKind = "io" | "syntax" | "ref";

/** Why a source could not be read: always names the file and, when known, the line. */
export class SpecLoadError extends ToolError {
  readonly kind: SpecErrorKind;
  /** What is wrong, without the place `message` starts with: machine-readable reports give the place apart. */
  readonly reason: string;
  readonly position: SourcePosition | undefined;
  readonly pointer: string | undefined;

  constructor(kind: SpecErrorKind, message: string, position?: SourcePosition, pointer?: string) {
    const where = position ? `${position.file}:${position.line}:${position.column}: ` : "";
    super(errorCodes.unreadable, where + message);
    this.name = "SpecLoadError";
    this.kind = kind;
    this.reason = message;
    this.position = position;
    this.pointer = pointer;
  }
}

/** A YAML or JSON document with every external `$ref` inlined and a map back to the source lines. */
export interface LoadedSpec {
  file: string;
  value: unknown;
  /** Where the node at a JSON pointer came from; falls back to the nearest ancestor with a position. */
  locate(pointer: string): SourcePosition | undefined;
  /** Every file read (the root and each file reached through `$ref`). */
  files: string[];
  /** Pointers of keys written again in the same object, when read with `duplicateKeys: "last-wins"`. */
  duplicateKeys: string[];
}

/**
 * Largest file the loader reads (a definition, a file reached through `$ref`, a scenario). Power Platform
 * takes definitions under 1 MB; the largest of the 491 corpus connectors is 1.1 MB indented (Encodian), so
 * 4 MiB leaves room for comments and layout while a `$ref` to a huge file fails at once.
 */
export const maxSourceFileBytes = 4 * 1024 * 1024;

/**
 * Most values (scalars, mappings and sequences) one load may produce, counting every copy YAML aliases and
 * `$ref`s make. The largest corpus connector (Encodian, 1.1 MB) has 27,391; this is nine times that, and
 * fails a bomb within about a second. (A 1 MB definition could only reach it with values of 4 bytes on average.)
 */
export const maxLoadedValues = 250_000;

/** Deepest nesting the loader follows; beyond it recursion would overflow the stack instead of reporting. */
const maxDepth = 1_000;

export interface LoadOptions {
  /**
   * What to do with a `$ref` to another file: "inline" (the default) reads it, as the compiler needs for
   * sources; "keep" leaves it as written, for packages, which must be self-contained and are judged so by
   * the validator's rules, never by reading files they name.
   */
  externalRefs?: "inline" | "keep";
  /**
   * A key written twice in one object: "refuse" (the default) is a syntax error; "last-wins" keeps the last value,
   * as Newtonsoft does when Power Platform reads a package, and lists the key in `duplicateKeys`.
   */
  duplicateKeys?: "refuse" | "last-wins";
}

interface ParsedFile {
  file: string;
  doc: Document.Parsed;
  lines: LineCounter;
  /** The node each alias names: the last node with its anchor before it, found in one pass. */
  aliasTargets: Map<Alias, Node | undefined>;
}

/**
 * Reads a regular file of at most `maxSourceFileBytes`; the error text says why not. Opened without blocking
 * and checked by its descriptor, so a FIFO cannot hang the open and `/dev/zero` is never read.
 */
function readSourceFile(file: string): string {
  let fd: number;
  try {
    fd = openSync(file, constants.O_RDONLY | (constants.O_NONBLOCK ?? 0));
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new Error(`cannot read ${file}: ${code === "ENOENT" ? "file not found" : (err as Error).message}`);
  }
  try {
    if (!fstatSync(fd).isFile()) throw new Error(`${file} is not a regular file (a device, FIFO or folder); only regular files are read`);
    const buffer = Buffer.allocUnsafe(maxSourceFileBytes + 1);
    let length = 0;
    for (let read = -1; read !== 0 && length < buffer.length; length += read) {
      read = readSync(fd, buffer, length, buffer.length - length, null);
    }
    if (length > maxSourceFileBytes) throw new Error(`${file} is more than ${maxSourceFileBytes} bytes, the limit for a source file`);
    return buffer.toString("utf8", 0, length);
  } finally {
    closeSync(fd);
  }
}

/** A source file's text, with the same checks as loadSpec; a SpecLoadError when it cannot be read. */
export function readSourceText(file: string): string {
  try {
    return readSourceFile(file);
  } catch (err) {
    throw new SpecLoadError("io", (err as Error).message);
  }
}

/** True when `file` (already resolved) is `folder` or below it. */
function isInside(folder: string, file: string): boolean {
  const relative = path.relative(folder, file);
  return relative === "" || (!relative.startsWith("..") && !path.isAbsolute(relative));
}

/**
 * Loads a YAML (or JSON, which is YAML) file: the one place the project parses YAML. Local refs (`#/…`)
 * stay as they are, since Swagger 2.0 resolves them itself; refs to other files (`./schemas.yaml#/Message`)
 * are inlined so that the compiled definition is one self-contained document, as Power Platform requires.
 * Only regular files inside the root file's folder (symlinks resolved) are read, each bounded in size, and
 * alias and `$ref` expansion is bounded: every refusal names the file, line and the alias or `$ref`.
 */
export function loadSpec(file: string, options: LoadOptions = {}): LoadedSpec {
  const root = path.resolve(file);
  const cache = new Map<string, ParsedFile>();
  const positions = new Map<string, SourcePosition>();
  const duplicateKeys: string[] = [];

  const parse = (target: string, from?: SourcePosition, ref?: string): ParsedFile => {
    const cached = cache.get(target);
    if (cached) return cached;
    let text: string;
    try {
      text = readSourceFile(target);
    } catch (err) {
      throw new SpecLoadError("io", (ref === undefined ? "" : `$ref '${ref}': `) + (err as Error).message, from);
    }
    const lines = new LineCounter();
    const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: options.duplicateKeys !== "last-wins" });
    const first = doc.errors[0];
    if (first) {
      const at = lines.linePos(first.pos[0]);
      throw new SpecLoadError("syntax", `YAML syntax error: ${first.message.split("\n")[0]}`, {
        file: target,
        line: at.line,
        column: at.col,
      });
    }
    const aliasTargets = new Map<Alias, Node | undefined>();
    const anchors = new Map<string, Node>();
    visit(doc, {
      Node(_key, node) {
        if (isAlias(node)) aliasTargets.set(node, anchors.get(node.source));
        else if (node.anchor) anchors.set(node.anchor, node);
      },
    });
    const parsed = { file: target, doc, lines, aliasTargets };
    cache.set(target, parsed);
    return parsed;
  };

  /** The folder `$ref`s must stay in, symlinks resolved; found when the first external `$ref` needs it. */
  let connectorFolder: string | undefined;
  /** The file an external `$ref` names, after checking that it resolves to a place inside the folder. */
  const refTarget = (src: ParsedFile, filePart: string, ref: string, at: SourcePosition, pointer: string): string => {
    if (/^[a-z][a-z0-9+.-]+:/i.test(filePart)) {
      throw new SpecLoadError("ref", `$ref '${ref}' is a URL; only files inside the connector folder can be referenced`, at, pointer);
    }
    const target = path.resolve(path.dirname(src.file), filePart);
    let real: string;
    try {
      connectorFolder ??= realpathSync(path.dirname(root));
      real = realpathSync(target);
    } catch (err) {
      const reason = (err as NodeJS.ErrnoException).code === "ENOENT" ? "file not found" : (err as Error).message;
      throw new SpecLoadError("io", `$ref '${ref}': cannot read ${target}: ${reason}`, at, pointer);
    }
    if (!isInside(connectorFolder, real)) {
      throw new SpecLoadError("ref", `$ref '${ref}' is outside the connector folder ${connectorFolder}: it resolves to ${real}`, at, pointer);
    }
    return real;
  };

  const positionOf = (src: ParsedFile, offset: number | undefined): SourcePosition => {
    const at = src.lines.linePos(offset ?? 0);
    return { file: src.file, line: at.line, column: at.col };
  };

  const nodeAt = (src: ParsedFile, pointer: string, from: SourcePosition): Node => {
    let node: unknown = src.doc.contents;
    for (const token of splitPointer(pointer)) {
      if (isMap(node)) {
        const pair = node.items.find((p) => isScalar(p.key) && String(p.key.value) === token);
        node = pair?.value;
      } else if (isSeq(node)) {
        node = /^\d+$/.test(token) ? node.items[Number(token)] : undefined;
      } else {
        node = undefined;
      }
      if (node === undefined || node === null) {
        throw new SpecLoadError("ref", `$ref target not found: ${src.file}#${pointer}`, from);
      }
    }
    return node as Node;
  };

  const inlining: string[] = [];
  /** Collections being converted: an alias to one of them would repeat it inside itself forever. */
  const open = new Set<Node>();
  /** Where each alias or external `$ref` being expanded is written, outermost first. */
  const expanding: SourcePosition[] = [];
  let produced = 0;

  const convert = (src: ParsedFile, node: unknown, pointer: string, inExternal: boolean): unknown => {
    if (node === null || node === undefined) return null;
    if (isAlias(node)) return expandAlias(src, node, pointer, inExternal);
    produced += 1;
    if (produced > maxLoadedValues) {
      const at = expanding[0] ?? positionOf(src, (node as Node).range?.[0]);
      throw new SpecLoadError(
        "syntax",
        `the document expands to more than ${maxLoadedValues} values through YAML aliases or $ref, starting here; ` +
          "a connector definition has far fewer (Power Platform takes under 1 MB)",
        at,
        pointer,
      );
    }
    if (isScalar(node)) return node.value;
    if (!isSeq(node) && !isMap(node)) return (node as { toJSON?: () => unknown }).toJSON?.() ?? null;
    if (open.size >= maxDepth) {
      throw new SpecLoadError("syntax", `nesting deeper than ${maxDepth} levels`, positionOf(src, node.range?.[0]), pointer);
    }
    open.add(node);
    try {
      return isSeq(node) ? convertSeq(src, node.items, pointer, inExternal) : convertMap(src, node.items, pointer, inExternal);
    } finally {
      open.delete(node);
    }
  };

  const convertSeq = (src: ParsedFile, items: unknown[], pointer: string, inExternal: boolean): unknown[] =>
    items.map((item, i) => {
      const itemPointer = joinPointer(pointer, i);
      positions.set(itemPointer, positionOf(src, (item as Node | null)?.range?.[0]));
      return convert(src, item, itemPointer, inExternal);
    });

  const convertMap = (src: ParsedFile, items: { key: unknown; value: unknown }[], pointer: string, inExternal: boolean): unknown => {
    const ref = items.find((p) => isPair(p) && isScalar(p.key) && p.key.value === "$ref");
    if (ref && isScalar(ref.value) && typeof ref.value.value === "string") {
      const target = ref.value.value;
      const at = positionOf(src, ref.value.range?.[0]);
      const local = target.startsWith("#");
      if ((!local && options.externalRefs !== "keep") || (local && inExternal)) return inline(src, target, at, pointer);
    }
    const out: Record<string, unknown> = {};
    for (const pair of items) {
      const key = isScalar(pair.key) ? String(pair.key.value) : String(pair.key);
      const childPointer = joinPointer(pointer, key);
      if (Object.hasOwn(out, key)) duplicateKeys.push(childPointer);
      positions.set(childPointer, positionOf(src, (pair.key as Node | null)?.range?.[0]));
      out[key] = convert(src, pair.value, childPointer, inExternal);
    }
    return out;
  };

  const expandAlias = (src: ParsedFile, alias: Alias, pointer: string, inExternal: boolean): unknown => {
    const at = positionOf(src, alias.range?.[0]);
    const target = src.aliasTargets.get(alias);
    if (!target) throw new SpecLoadError("syntax", `alias *${alias.source} names no anchor before it`, at, pointer);
    if (open.has(target)) throw new SpecLoadError("syntax", `alias *${alias.source} refers to a node that contains it`, at, pointer);
    expanding.push(at);
    try {
      return convert(src, target, pointer, inExternal);
    } finally {
      expanding.pop();
    }
  };

  const inline = (src: ParsedFile, ref: string, at: SourcePosition, pointer: string): unknown => {
    const [filePart, fragment = ""] = ref.split("#", 2) as [string, string?];
    const targetFile = filePart === "" ? src.file : refTarget(src, filePart, ref, at, pointer);
    const key = `${targetFile}#${fragment}`;
    if (inlining.includes(key)) {
      throw new SpecLoadError("ref", `circular $ref: ${[...inlining, key].join(" -> ")}`, at, pointer);
    }
    const target = parse(targetFile, at, ref);
    if (fragment !== "" && !fragment.startsWith("/")) {
      throw new SpecLoadError("ref", `$ref fragment must be a JSON pointer: "${ref}"`, at, pointer);
    }
    const node = nodeAt(target, fragment, at);
    inlining.push(key);
    expanding.push(at);
    try {
      return convert(target, node, pointer, true);
    } finally {
      inlining.pop();
      expanding.pop();
    }
  };

  const main = parse(root);
  positions.set("", { file: root, line: 1, column: 1 });
  const value = convert(main, main.doc.contents, "", false);

  return {
    file: root,
    value,
    files: [...cache.keys()],
    duplicateKeys,
    locate(pointer: string) {
      let p = pointer;
      for (;;) {
        const found = positions.get(p);
        if (found) return found;
        if (p === "") return undefined;
        p = p.slice(0, p.lastIndexOf("/"));
      }
    },
  };
}
