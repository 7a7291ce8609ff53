import { InvalidArgumentError, Option } from "commander";

/**
 * A whole-number option with its range: the range is part of the description (so --help shows it) and of
 * the parser (so a value outside it is refused, naming the option, before the command does anything).
 * Every numeric option of the CLI is made here.
 */
export function integerOption(flags: string, description: string, range: { min: number; max: number }): Option {
  const { min, max } = range;
  return new Option(flags, `${description} (from ${min} to ${max})`).argParser((value: string) => {
    // Digits only: Number() alone would also take "0x10", "1e3" and "" (as 0).
    const number = /^\d+$/.test(value) ? Number(value) : Number.NaN;
    if (!(number >= min && number <= max)) throw new InvalidArgumentError(`expected a whole number from ${min} to ${max}`);
    return number;
  });
}
