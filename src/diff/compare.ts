/**
 * `fno-connector diff`: what changed between two versions of a connector, judged by whether makers' existing flows
 * still work. Flows bind to operationId and parameter names, not paths, so operations are matched by operationId.
 * Messages quote Power Platform's certification gate (microsoft/PowerPlatformConnectors pull requests) where it
 * has one; a new revision (`x-ms-api-annotation`) or `deprecated: true` is the sanctioned way to change an operation.
 */
import { joinPointer } from "../spec/pointer.ts";
import { connectionParametersOf, entriesOf, isObject, itemsOf, operationsOf, responsesOf, type JsonObject, type OperationEntry } from "../connector/index.ts";
import { GatewayError } from "../gateway/errors.ts";
import { instancesFor, readPolicyInstances } from "../gateway/policies.ts";
import { dynamicHostUrl } from "../policies/dynamichosturl.ts";
import type { PolicyInstance } from "../policies/template.ts";
import { inputsOf, notificationContentOf, outputsOf, type Field } from "./flatten.ts";

export type ChangeClass = "breaking" | "warning" | "safe";

export interface Side {
  document: "apiDefinition" | "apiProperties";
  pointer: string;
}

export interface Change {
  class: ChangeClass;
  /** A stable name for the kind of change, e.g. "operation-removed". */
  kind: string;
  operation?: string;
  message: string;
  old?: Side;
  new?: Side;
}

export interface ConnectorVersion {
  definition: unknown;
  properties: unknown;
}

/** The gate's wording (quoted in PowerPlatformConnectors PRs #3470, #4168, #3648, #3656, #3910) where it has one. */
export const gate = {
  operationDeleted: "The operation has been deleted. This change breaks existing flows.",
  pathChanged: "The path template has been changed for the operation.",
  locationChanged: "The location has been changed for the parameter.",
  requiredAdded: "The required input field has been added. Existing flows will not send this new field.",
  outputTypeChanged: "The type has been changed for the output field. Existing flows may be broken if they are using this field and actual payload has been changed.",
  formatChanged: "The type format has been changed.",
  outputDeleted: "The output field has been deleted.",
} as const;

const revisionHint = "To change an operation without breaking flows, add a new revision (x-ms-api-annotation family and revision, a new operationId) and deprecate the old one.";

const def = (pointer: string): Side => ({ document: "apiDefinition", pointer });
const props = (pointer: string): Side => ({ document: "apiProperties", pointer });

function byOperationId(definition: unknown): Map<string, OperationEntry> {
  const found = new Map<string, OperationEntry>();
  for (const entry of operationsOf(definition)) {
    if (typeof entry.operation.operationId === "string") found.set(entry.operation.operationId, entry);
  }
  return found;
}

function annotation(entry: OperationEntry): { family?: string; revision?: number } {
  const a = entry.operation["x-ms-api-annotation"];
  return isObject(a) ? { family: typeof a.family === "string" ? a.family : undefined, revision: typeof a.revision === "number" ? a.revision : undefined } : {};
}

function triggerKind(entry: OperationEntry): string {
  const trigger = entry.operation["x-ms-trigger"];
  if (typeof trigger !== "string") return "action";
  const metadata = entry.operation["x-ms-trigger-metadata"];
  const mode = isObject(metadata) && typeof metadata.mode === "string" ? metadata.mode : notificationContentOf(entry) ? "webhook" : "";
  return `${trigger.toLowerCase()} trigger${mode ? ` (${mode})` : ""}`;
}

const text = (v: unknown) => JSON.stringify(v);

/** Constraints whose tightening can make values flows already send invalid. */
const tighter: { key: string; tightens: (old: number, now: number) => boolean }[] = [
  { key: "maxLength", tightens: (o, n) => n < o },
  { key: "minLength", tightens: (o, n) => n > o },
  { key: "maximum", tightens: (o, n) => n < o },
  { key: "minimum", tightens: (o, n) => n > o },
  { key: "maxItems", tightens: (o, n) => n < o },
  { key: "minItems", tightens: (o, n) => n > o },
];

function compareInput(op: string, name: string, o: Field, n: Field, out: Change[]): void {
  const sides = { old: def(o.pointer), new: def(n.pointer) };
  const add = (c: ChangeClass, kind: string, message: string) => out.push({ class: c, kind, operation: op, message, ...sides });
  if (o.location !== n.location) add("breaking", "input-location-changed", `${gate.locationChanged} '${name}': ${o.location} → ${n.location}`);
  if (!o.required && n.required && n.value.default === undefined) add("breaking", "input-made-required", `${gate.requiredAdded} '${name}' was optional`);
  if (o.value.type !== n.value.type) add("breaking", "input-type-changed", `The type has been changed for the input field '${name}': ${text(o.value.type)} → ${text(n.value.type)}`);
  else if (o.value.format !== n.value.format) add("breaking", "input-format-changed", `${gate.formatChanged} Input field '${name}': ${text(o.value.format)} → ${text(n.value.format)}`);
  const removedValues = itemsOf(o.value.enum).filter((v) => !itemsOf(n.value.enum).some((w) => w === v));
  if (Array.isArray(n.value.enum) && removedValues.length > 0) add("breaking", "enum-value-removed", `Input field '${name}' no longer takes ${removedValues.map(text).join(", ")}`);
  if (Array.isArray(n.value.enum) && !Array.isArray(o.value.enum)) add("warning", "constraint-tightened", `Input field '${name}' now takes only ${itemsOf(n.value.enum).map(text).join(", ")}`);
  for (const { key, tightens } of tighter) {
    const [ov, nv] = [o.value[key], n.value[key]];
    if (typeof nv === "number" && (typeof ov !== "number" || tightens(ov, nv))) add("warning", "constraint-tightened", `Input field '${name}': ${key} ${text(ov)} → ${nv}`);
  }
  if (n.value.pattern !== undefined && o.value.pattern !== n.value.pattern) add("warning", "constraint-tightened", `Input field '${name}': pattern ${text(o.value.pattern)} → ${text(n.value.pattern)}`);
  if (text(o.value.default) !== text(n.value.default)) add("warning", "default-changed", `The default of input field '${name}' changed: ${text(o.value.default)} → ${text(n.value.default)}`);
  for (const key of ["x-ms-dynamic-values", "x-ms-dynamic-list", "x-ms-dynamic-schema", "x-ms-dynamic-properties", "x-ms-dynamic-tree"]) {
    if (text(o.value[key]) !== text(n.value[key])) add("warning", "dynamic-changed", `${key} of input field '${name}' changed`);
  }
  for (const key of ["description", "x-ms-summary", "x-ms-visibility", "title"]) {
    if (text(o.value[key]) !== text(n.value[key])) add("safe", "text-changed", `${key} of input field '${name}' changed`);
  }
}

function compareOperation(op: string, o: OperationEntry, n: OperationEntry, oldDoc: unknown, newDoc: unknown, out: Change[]): void {
  const add = (c: ChangeClass, kind: string, message: string, old: string = o.pointer, now: string = n.pointer) =>
    out.push({ class: c, kind, operation: op, message, old: def(old), new: def(now) });
  if (o.path !== n.path) add("breaking", "path-changed", `${gate.pathChanged} ${o.path} → ${n.path}. ${revisionHint}`);
  if (o.method !== n.method) add("breaking", "method-changed", `The HTTP method has been changed for the operation: ${o.method.toUpperCase()} → ${n.method.toUpperCase()}. ${revisionHint}`);
  if (triggerKind(o) !== triggerKind(n)) add("breaking", "trigger-kind-changed", `The operation changed from ${triggerKind(o)} to ${triggerKind(n)}`);
  if (n.operation.deprecated === true && o.operation.deprecated !== true) {
    const marked = typeof n.operation.summary === "string" && /deprecated/i.test(n.operation.summary);
    add(marked ? "safe" : "warning", "operation-deprecated", marked ? "The operation is now deprecated; existing flows keep working" : "The operation is now deprecated but its summary does not say '(deprecated)'");
  }
  const [oa, na] = [annotation(o), annotation(n)];
  if (oa.family !== na.family || (oa.revision !== undefined && na.revision !== undefined && na.revision < oa.revision)) {
    add("warning", "annotation-changed", `x-ms-api-annotation changed: family ${text(oa.family)} revision ${text(oa.revision)} → family ${text(na.family)} revision ${text(na.revision)}`);
  }
  for (const key of ["summary", "description", "x-ms-visibility"]) {
    if (text(o.operation[key]) !== text(n.operation[key]) && !(key === "summary" && n.operation.deprecated === true)) add("safe", "text-changed", `${key} of the operation changed`);
  }
  const [oldPayload, newPayload] = [notificationContentOf(o), notificationContentOf(n)];
  if (oldPayload && newPayload && text(oldPayload.content.description) !== text(newPayload.content.description)) {
    add("safe", "text-changed", "description of the trigger's payload (x-ms-notification-content) changed", joinPointer(oldPayload.pointer, "description"), joinPointer(newPayload.pointer, "description"));
  }

  const [oi, ni] = [inputsOf(oldDoc, o), inputsOf(newDoc, n)];
  for (const [name, field] of oi) {
    const now = ni.get(name);
    if (now) compareInput(op, name, field, now, out);
    else out.push({ class: "breaking", kind: "input-removed", operation: op, message: `The input field '${name}' has been deleted; flows that set it fail. ${revisionHint}`, old: def(field.pointer), new: def(n.pointer) });
  }
  for (const [name, field] of ni) {
    if (oi.has(name)) continue;
    // A required field of an optional body object is not required of flows that leave the object out.
    const parent = name.includes("/") ? ni.get(name.slice(0, name.lastIndexOf("/"))) : undefined;
    const required = field.required && field.value.default === undefined && (parent === undefined || parent.required);
    out.push({ class: required ? "breaking" : "safe", kind: required ? "required-input-added" : "optional-input-added", operation: op, message: required ? `${gate.requiredAdded} '${name}'` : `New optional input field '${name}'`, old: def(o.pointer), new: def(field.pointer) });
  }

  const [oo, no] = [outputsOf(oldDoc, o), outputsOf(newDoc, n)];
  for (const [path, field] of oo) {
    const now = no.get(path);
    if (!now) out.push({ class: "breaking", kind: "output-removed", operation: op, message: `${gate.outputDeleted} '${path}'`, old: def(field.pointer), new: def(n.pointer) });
    else if (field.value.type !== now.value.type) out.push({ class: "breaking", kind: "output-type-changed", operation: op, message: `${gate.outputTypeChanged} '${path}': ${text(field.value.type)} → ${text(now.value.type)}`, old: def(field.pointer), new: def(now.pointer) });
    else if (field.value.format !== now.value.format) out.push({ class: "breaking", kind: "output-format-changed", operation: op, message: `${gate.formatChanged} Output field '${path}': ${text(field.value.format)} → ${text(now.value.format)}`, old: def(field.pointer), new: def(now.pointer) });
  }
  for (const [path, field] of no) {
    if (!oo.has(path)) out.push({ class: "safe", kind: "output-added", operation: op, message: `New output field '${path}'`, old: def(o.pointer), new: def(field.pointer) });
  }
  const newStatuses = new Set(responsesOf(newDoc, n).map((r) => r.status));
  for (const { status, pointer } of responsesOf(oldDoc, o)) {
    if (!newStatuses.has(status)) add("warning", "response-removed", `Response ${status} is no longer declared`, pointer, joinPointer(n.pointer, "responses"));
  }
}

function connectionParameters(properties: unknown): Map<string, { pointer: string; parameter: JsonObject }> {
  return new Map(
    connectionParametersOf(properties).flatMap(({ name, pointer, parameter }) => (isObject(parameter) ? [[name, { pointer, parameter }] as const] : [])),
  );
}

function compareConnection(oldV: ConnectorVersion, newV: ConnectorVersion, out: Change[]): void {
  const [o, n] = [connectionParameters(oldV.properties), connectionParameters(newV.properties)];
  const settings = (p: JsonObject) => (isObject(p.oAuthSettings) ? p.oAuthSettings : {});
  for (const [name, { pointer, parameter }] of o) {
    const now = n.get(name);
    if (!now) {
      out.push({ class: "breaking", kind: "connection-changed", message: `Connection parameter '${name}' has been removed; existing connections must be made again`, old: props(pointer) });
      continue;
    }
    const sides = { old: props(pointer), new: props(now.pointer) };
    if (parameter.type !== now.parameter.type) out.push({ class: "breaking", kind: "connection-changed", message: `Connection parameter '${name}' changed type: ${text(parameter.type)} → ${text(now.parameter.type)}`, ...sides });
    for (const key of ["identityProvider", "clientId", "scopes"]) {
      if (text(settings(parameter)[key]) !== text(settings(now.parameter)[key])) out.push({ class: "breaking", kind: "auth-changed", message: `OAuth ${key} of '${name}' changed; existing connections must sign in again`, ...sides });
    }
  }
  for (const [name, { pointer, parameter }] of n) {
    if (o.has(name)) continue;
    const ui = isObject(parameter.uiDefinition) && isObject(parameter.uiDefinition.constraints) ? parameter.uiDefinition.constraints : {};
    const required = ui.required === "true" || ui.required === true;
    out.push({ class: required ? "breaking" : "warning", kind: "connection-changed", message: `Connection parameter '${name}' has been added${required ? " as required; existing connections do not have it" : ""}`, new: props(pointer) });
  }
  const schemes = (d: unknown) => (isObject(d) ? entriesOf(d.securityDefinitions).map(([k, v]) => `${k}:${isObject(v) ? String(v.type) : ""}`).sort().join(",") : "");
  if (schemes(oldV.definition) !== schemes(newV.definition)) {
    out.push({ class: "breaking", kind: "auth-changed", message: `securityDefinitions changed: ${schemes(oldV.definition) || "none"} → ${schemes(newV.definition) || "none"}`, old: def("/securityDefinitions"), new: def("/securityDefinitions") });
  }
}

/**
 * The operations of `version` whose URL starts with the definition's host and basePath: those no Request-section
 * dynamichosturl instance applies to. That template replaces the host URL (Learn, dynamichosturl page, in
 * ../shared/reference/platform-behaviour.md §2) and, as the gateway models it, basePath with it (OBSERVED, mixed:
 * docs/platform-assumptions.md, "Connection and host"). A policy list the gateway cannot read counts as no policy:
 * the validator reports it, and here it only means every operation may still call the host.
 */
function onDefinitionHost(version: ConnectorVersion): string[] {
  let hostPolicies: PolicyInstance[] = [];
  try {
    const instances = isObject(version.properties) ? readPolicyInstances(version.properties) : [];
    hostPolicies = instances.filter((i) => i.templateId.toLowerCase() === dynamicHostUrl.id && i.section === "Request");
  } catch (error) {
    if (!(error instanceof GatewayError)) throw error;
  }
  return [...byOperationId(version.definition).keys()].filter((id) => instancesFor(hostPolicies, id).length === 0);
}

/**
 * `host` and `basePath` make the URL every action calls without a policy (paconn's backendService.serviceUrl is
 * scheme + host + basePath: connector-format.md §6; the Learn module on host URL routing: platform-behaviour.md §2).
 * A change sends existing flows' calls elsewhere (certification reviewers ask about exactly this: "You have modified
 * the host URL, which could result in a breaking change", PowerPlatformConnectors PR #3746), so it breaks the
 * operations that still call it; when dynamichosturl replaces it for every operation it is only a warning.
 * Host names compare without letter case (RFC 3986 §3.2.2); a missing basePath is "/" (Swagger 2.0: "served
 * directly under the host").
 */
const endpointParts = [
  { key: "host", kind: "host-changed", name: "host", effect: "Existing flows' actions now call another server", missing: undefined, caseless: true },
  { key: "basePath", kind: "base-path-changed", name: "base path", effect: "The URL of every action moves", missing: "/", caseless: false },
] as const;

function compareEndpoint(oldV: ConnectorVersion, newV: ConnectorVersion, out: Change[]): void {
  const reached = onDefinitionHost(newV);
  for (const { key, kind, name, effect, missing, caseless } of endpointParts) {
    const [o, n] = [oldV.definition, newV.definition].map((d) => (isObject(d) ? d[key] : undefined) ?? missing);
    const compared = (v: unknown) => (caseless && typeof v === "string" ? v.toLowerCase() : v);
    if (compared(o) === compared(n)) continue;
    const values = `${o === undefined ? "none" : text(o)} → ${n === undefined ? "none" : text(n)}`;
    const message = reached.length > 0
      ? `The ${name} has been changed: ${values}. ${effect}: ${reached.join(", ")}`
      : `The ${name} has been changed: ${values}; no operation calls it: dynamichosturl sets the host URL of every operation`;
    out.push({ class: reached.length > 0 ? "breaking" : "warning", kind, message, old: def(`/${key}`), new: def(`/${key}`) });
  }
}

const order: Record<ChangeClass, number> = { breaking: 0, warning: 1, safe: 2 };

/** Every change from `oldV` to `newV`, breaking first. */
export function diffConnectors(oldV: ConnectorVersion, newV: ConnectorVersion): Change[] {
  const out: Change[] = [];
  const [o, n] = [byOperationId(oldV.definition), byOperationId(newV.definition)];
  const newByRoute = new Map([...n].map(([id, e]) => [`${e.method} ${e.path}`, id]));
  for (const [id, entry] of o) {
    const now = n.get(id);
    if (now) {
      compareOperation(id, entry, now, oldV.definition, newV.definition, out);
      continue;
    }
    const renamed = newByRoute.get(`${entry.method} ${entry.path}`);
    const also = renamed !== undefined && !o.has(renamed) ? ` (renamed to '${renamed}'? flows bind to the operationId)` : "";
    out.push({ class: "breaking", kind: "operation-removed", operation: id, message: `${gate.operationDeleted}${also} ${revisionHint}`, old: def(entry.pointer) });
  }
  for (const [id, entry] of n) {
    if (o.has(id)) continue;
    const family = annotation(entry).family;
    const revision = family !== undefined && family !== id && o.has(family) ? ` (a new revision of '${family}')` : "";
    out.push({ class: "safe", kind: "operation-added", operation: id, message: `New operation${revision}`, new: def(entry.pointer) });
  }
  compareEndpoint(oldV, newV, out);
  compareConnection(oldV, newV, out);
  return out.sort((a, b) => order[a.class] - order[b.class]);
}
