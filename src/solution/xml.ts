import { XMLBuilder, XMLParser, XMLValidator } from "fast-xml-parser";
import { SolutionError } from "./errors.ts";

/**
 * A small element tree over fast-xml-parser's order-preserving output. Solution XML is data, not
 * documents: no mixed content, no comments that matter, and element order is significant
 * (Dataverse compares `customizations.xml` sections by position), so order is kept and
 * whitespace-only text is dropped.
 */
export interface XmlElement {
  name: string;
  attributes: Record<string, string>;
  children: XmlNode[];
}
export interface XmlText {
  text: string;
}
export type XmlNode = XmlElement | XmlText;

export function isElement(node: XmlNode): node is XmlElement {
  return "name" in node;
}

export function element(name: string, attributes: Record<string, string> = {}, children: XmlNode[] = []): XmlElement {
  return { name, attributes, children };
}

/** `<name>text</name>`; an empty string gives an empty element. */
export function textElement(name: string, text: string, attributes: Record<string, string> = {}): XmlElement {
  return element(name, attributes, text === "" ? [] : [{ text }]);
}

export function childElements(parent: XmlElement, name?: string): XmlElement[] {
  return parent.children.filter((c): c is XmlElement => isElement(c) && (name === undefined || c.name === name));
}

export function findChild(parent: XmlElement, name: string): XmlElement | undefined {
  return childElements(parent, name)[0];
}

/** The text content of an element (its text children joined), or undefined when the element is absent. */
export function childText(parent: XmlElement, name: string): string | undefined {
  const child = findChild(parent, name);
  return child === undefined ? undefined : textOf(child);
}

export function textOf(el: XmlElement): string {
  return el.children.map((c) => (isElement(c) ? "" : c.text)).join("");
}

/** Every element below `root` (depth first, document order), `root` included. */
export function* descendants(root: XmlElement): Generator<XmlElement> {
  yield root;
  for (const child of childElements(root)) yield* descendants(child);
}

// Strings stay strings ("0001" is not a number), entities are decoded, attributes keep their names.
const codecOptions = {
  preserveOrder: true,
  ignoreAttributes: false,
  attributeNamePrefix: "",
  parseTagValue: false,
  parseAttributeValue: false,
  trimValues: true,
  ignoreDeclaration: true,
  ignorePiTags: true,
  processEntities: true,
  htmlEntities: false,
} as const;

type FxpNode = { [tag: string]: FxpNode[] | string | Record<string, string> | undefined; ":@"?: Record<string, string> };

const BOM = "\uFEFF";

/** Parses one XML document; `source` names it in errors (a file or zip entry name). */
export function parseXml(bytes: Buffer | string, source: string): XmlElement {
  let text = typeof bytes === "string" ? bytes : bytes.toString("utf8");
  if (text.startsWith(BOM)) text = text.slice(1);
  const valid = XMLValidator.validate(text);
  if (valid !== true) {
    throw new SolutionError(`${source}:${valid.err.line}:${valid.err.col}: not well-formed XML (${valid.err.msg})`);
  }
  const roots = (new XMLParser(codecOptions).parse(text) as FxpNode[]).map(fromFxp).filter(isElement);
  const [root, ...rest] = roots;
  if (root === undefined || rest.length > 0) throw new SolutionError(`${source}: expected exactly one root element`);
  return root;
}

/**
 * How a file is serialised (docs/format-notes.md, "Solution zip" and "Unpacked layout"):
 * - `export`: solution.xml and customizations.xml as Dataverse exports them: no BOM, no declaration, CRLF, two-space indent;
 * - `source`: what `pac solution unpack` writes: the same with a BOM and a declaration;
 * - `single-line`: [Content_Types].xml: BOM, declaration and the whole document on one line.
 */
export type XmlForm = "export" | "source" | "single-line";

const declaration = `${BOM}<?xml version="1.0" encoding="utf-8"?>`;

export function serializeXml(root: XmlElement, form: XmlForm): Buffer {
  const indented = form !== "single-line";
  const builder = new XMLBuilder({ ...codecOptions, format: indented, indentBy: "  ", suppressEmptyNode: true });
  const body = (builder.build([toFxp(root)]) as string).trim().replace(/\r?\n/g, "\r\n");
  const text = form === "export" ? body : form === "source" ? `${declaration}\r\n${body}` : `${declaration}${body}`;
  return Buffer.from(text, "utf8");
}

function fromFxp(node: FxpNode): XmlNode {
  if (typeof node["#text"] === "string") return { text: node["#text"] };
  const name = Object.keys(node).find((k) => k !== ":@");
  if (name === undefined) throw new Error("fast-xml-parser returned a node without a name");
  const children = (node[name] as FxpNode[]).map(fromFxp);
  return { name, attributes: { ...(node[":@"] ?? {}) }, children };
}

function toFxp(node: XmlNode): FxpNode {
  if (!isElement(node)) return { "#text": node.text };
  const out: FxpNode = { [node.name]: node.children.map(toFxp) };
  if (Object.keys(node.attributes).length > 0) out[":@"] = node.attributes;
  return out;
}
