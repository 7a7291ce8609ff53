import { InvalidArgumentError } from "commander";

/** Commander parser for flags such as --concurrency that must be whole numbers ≥ 1. */
export function positiveInteger(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError(`expected a whole number ≥ 1, got "${value}"`);
  return n;
}
