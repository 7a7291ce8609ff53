/**
 * Tolerant reads of JSON values. Connector documents arrive as written by people and tools, possibly
 * malformed; every reader of the model asks through these, so a wrong type reads as "nothing there"
 * and each caller decides whether that is a finding (the validator) or an error (the gateway).
 */
export type JsonObject = Record<string, unknown>;

export function isObject(value: unknown): value is JsonObject {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}

/** The entries of an object, or none when the value is not one. */
export function entriesOf(value: unknown): [string, unknown][] {
  return isObject(value) ? Object.entries(value) : [];
}

/** The items of an array, or none when the value is not one. */
export function itemsOf(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}

/** The strings of an array, or none when the value is not one. */
export function stringsOf(value: unknown): string[] {
  return itemsOf(value).filter((item): item is string => typeof item === "string");
}
