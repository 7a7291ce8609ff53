import { readFileSync } from "node:fs";
import path from "node:path";
import { LineCounter, isAlias, isMap, isPair, isScalar, isSeq, parseDocument, type Document, type Node } from "yaml";
import { joinPointer, splitPointer } from "./pointer.ts";

/** A place in a source file, 1-based as editors show it. */
export interface SourcePosition {
  file: string;
  line: number;
  column: number;
}

export type SpecErrorKind = "io" | "syntax" | "ref";

/** Why a source could not be read: always names the file and, when known, the line. */
export class SpecLoadError extends Error {
  readonly kind: SpecErrorKind;
  readonly position: SourcePosition | undefined;
  readonly pointer: string | undefined;

  constructor(kind: SpecErrorKind, message: string, position?: SourcePosition, pointer?: string) {
    const where = position ? `${position.file}:${position.line}:${position.column}: ` : "";
    super(where + message);
    this.name = "SpecLoadError";
    this.kind = kind;
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
}

interface ParsedFile {
  file: string;
  doc: Document.Parsed;
  lines: LineCounter;
}

/**
 * Loads a YAML (or JSON, which is YAML) file. Local refs (`#/…`) stay as they are, since Swagger 2.0
 * resolves them itself; refs to other files (`./schemas.yaml#/Message`) are inlined so that the
 * compiled definition is one self-contained document, as Power Platform requires.
 */
export function loadSpec(file: string): LoadedSpec {
  const root = path.resolve(file);
  const cache = new Map<string, ParsedFile>();
  const positions = new Map<string, SourcePosition>();

  const parse = (target: string, from?: SourcePosition): ParsedFile => {
    const cached = cache.get(target);
    if (cached) return cached;
    let text: string;
    try {
      text = readFileSync(target, "utf8");
    } catch (err) {
      const reason = (err as NodeJS.ErrnoException).code === "ENOENT" ? "file not found" : (err as Error).message;
      throw new SpecLoadError("io", `cannot read ${target}: ${reason}`, from);
    }
    const lines = new LineCounter();
    const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
    const first = doc.errors[0];
    if (first) {
      const at = lines.linePos(first.pos[0]);
      throw new SpecLoadError("syntax", `YAML syntax error: ${first.message.split("\n")[0]}`, {
        file: target,
        line: at.line,
        column: at.col,
      });
    }
    const parsed = { file: target, doc, lines };
    cache.set(target, parsed);
    return parsed;
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

  const convert = (src: ParsedFile, node: unknown, pointer: string, inExternal: boolean): unknown => {
    if (node === null || node === undefined) return null;
    if (isAlias(node)) return convert(src, node.resolve(src.doc), pointer, inExternal);
    if (isScalar(node)) return node.value;
    if (isSeq(node)) {
      return node.items.map((item, i) => {
        const itemPointer = joinPointer(pointer, i);
        positions.set(itemPointer, positionOf(src, (item as Node | null)?.range?.[0]));
        return convert(src, item, itemPointer, inExternal);
      });
    }
    if (isMap(node)) {
      const ref = node.items.find((p) => isPair(p) && isScalar(p.key) && p.key.value === "$ref");
      if (ref && isScalar(ref.value) && typeof ref.value.value === "string") {
        const target = ref.value.value;
        const at = positionOf(src, ref.value.range?.[0]);
        if (!target.startsWith("#") || inExternal) return inline(src, target, at, pointer);
      }
      const out: Record<string, unknown> = {};
      for (const pair of node.items) {
        const key = isScalar(pair.key) ? String(pair.key.value) : String(pair.key);
        const childPointer = joinPointer(pointer, key);
        positions.set(childPointer, positionOf(src, (pair.key as Node | null)?.range?.[0]));
        out[key] = convert(src, pair.value, childPointer, inExternal);
      }
      return out;
    }
    return (node as { toJSON?: () => unknown }).toJSON?.() ?? null;
  };

  const inline = (src: ParsedFile, ref: string, at: SourcePosition, pointer: string): unknown => {
    const [filePart, fragment = ""] = ref.split("#", 2) as [string, string?];
    const targetFile = filePart === "" ? src.file : path.resolve(path.dirname(src.file), filePart);
    const key = `${targetFile}#${fragment}`;
    if (inlining.includes(key)) {
      throw new SpecLoadError("ref", `circular $ref: ${[...inlining, key].join(" -> ")}`, at, pointer);
    }
    const target = parse(targetFile, at);
    if (fragment !== "" && !fragment.startsWith("/")) {
      throw new SpecLoadError("ref", `$ref fragment must be a JSON pointer: "${ref}"`, at, pointer);
    }
    const node = nodeAt(target, fragment, at);
    inlining.push(key);
    try {
      return convert(target, node, pointer, true);
    } finally {
      inlining.pop();
    }
  };

  const main = parse(root);
  positions.set("", { file: root, line: 1, column: 1 });
  const value = convert(main, main.doc.contents, "", false);

  return {
    file: root,
    value,
    files: [...cache.keys()],
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
