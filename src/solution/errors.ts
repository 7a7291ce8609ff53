/**
 * Input that was read but is wrong: the solution source, the compiled connector, an unpacked folder.
 * The message names the file (and element or JSON pointer) and says what to change.
 */
export class SolutionError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "SolutionError";
  }
}

/** A zip that cannot be read, or that is refused as unsafe (path traversal, bomb, too many entries). */
export class ZipReadError extends SolutionError {
  constructor(message: string) {
    super(message);
    this.name = "ZipReadError";
  }
}
