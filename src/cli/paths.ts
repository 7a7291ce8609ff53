import type { Stats } from "node:fs";
import path from "node:path";
import { fileInTheWay, statIfPresent } from "../compile/write.ts";
import { fsReason } from "../errors/index.ts";
import { CliError, ExitCode } from "./errors.ts";

/**
 * Checks on the files and folders a command is given, made before it contacts an environment or writes
 * anything: a wrong path fails at once, naming the path and what is wrong, with exit 2 (the input could
 * not be used), instead of a raw errno after minutes of downloading.
 */

/** The path's stats; undefined when nothing is there (or a file above it makes it impossible: see requireOutputFolder). */
function statOrUndefined(file: string): Stats | undefined {
  try {
    return statIfPresent(file);
  } catch (err) {
    throw new CliError(`${file} ${fsReason(err)}`, ExitCode.unreadable);
  }
}

/** `file` is an existing regular file (`what` says what it was given as, e.g. "the file to import"). */
export function requireInputFile(file: string, what: string): void {
  const stats = statOrUndefined(file);
  if (stats === undefined) throw new CliError(`${file} does not exist: give ${what}`, ExitCode.unreadable);
  if (stats.isDirectory()) throw new CliError(`${file} is a folder: give ${what}`, ExitCode.unreadable);
  if (!stats.isFile()) throw new CliError(`${file} is not a regular file: give ${what}`, ExitCode.unreadable);
}

/** `file` can be created or replaced: its folder exists and it is not itself a folder. */
export function requireOutputFile(file: string, option: string): void {
  const folder = path.dirname(path.resolve(file));
  requireOutputFolder(folder, option);
  if (statOrUndefined(folder) === undefined) {
    throw new CliError(`${option} ${file}: the folder ${folder} does not exist; create it first or choose another path`, ExitCode.unreadable);
  }
  if (statOrUndefined(file)?.isDirectory()) {
    throw new CliError(`${option} ${file} is a folder: give a file name, e.g. ${path.join(file, "package.zip")}`, ExitCode.unreadable);
  }
}

/** `dir` is a folder or can be made one: neither it nor any folder above it is a file. */
export function requireOutputFolder(dir: string, option: string): void {
  const blocking = fileInTheWay(dir);
  if (blocking !== undefined) throw new CliError(`${option} ${dir}: ${blocking} is a file, not a folder; choose a folder`, ExitCode.unreadable);
}
