import { AsyncLocalStorage } from "node:async_hooks";
import { mkdirSync, readdirSync, renameSync, rmdirSync, rmSync, statSync, writeFileSync, type Stats } from "node:fs";
import path from "node:path";
import { errorCodes, ToolError } from "../errors/index.ts";

/** An output location that must not be written: a file, a path under a file, or a folder of someone else's files. */
export class OutputLocationError extends ToolError {
  constructor(message: string) {
    super(errorCodes.outputLocation, message);
    this.name = "OutputLocationError";
  }
}

/**
 * Written into every output folder: the next run may replace a folder that holds it (or that is empty),
 * and refuses any other, so `--out` pointed at the wrong folder cannot delete what it held.
 */
export const outputMarker = ".fno-connector-output";
const markerText = "Written by fno-connector. The next build, pack or unpack into this folder replaces it as a whole.\n";

interface StagedFolder {
  outDir: string;
  staging: string;
  previous: string;
  /** The first folder above outDir that staging had to create, removed again if the write is abandoned. */
  createdParent: string | undefined;
}

/** The folders staged by writeFolderAtomically inside writesTogether, swapped in when the whole action succeeds. */
const pendingOutputs = new AsyncLocalStorage<StagedFolder[]>();

/**
 * Writes a set of files as a whole folder: first into a sibling temporary folder, then swapped into place.
 * A failure at any point leaves the previous folder as it was. The location is checked first (see
 * checkOutputFolder). Inside writesTogether the swap waits until every output of the action is staged.
 */
export function writeFolderAtomically(outDir: string, files: ReadonlyMap<string, Buffer>, options: { marker?: boolean } = {}): void {
  const staged = stageFolder(outDir, files, options.marker ?? true);
  const pending = pendingOutputs.getStore();
  if (pending) pending.push(staged);
  else commit([staged]);
}

/**
 * Runs `action` so that all the folders it writes appear together or not at all: each is staged beside its
 * place (its location checked), and only when the action succeeds are they swapped in. A bad second
 * output location, or any failure after the first folder was staged, leaves every output as it was.
 */
export function writesTogether<Args extends unknown[]>(action: (...args: Args) => Promise<void>): (...args: Args) => Promise<void> {
  return (...args) => {
    const pending: StagedFolder[] = [];
    return pendingOutputs.run(pending, async () => {
      try {
        await action(...args);
      } catch (err) {
        discard(pending);
        throw err;
      }
      commit(pending);
    });
  };
}

/**
 * Refuses an output folder that cannot or must not be replaced: a file, a path under a file, or a non-empty
 * folder that is neither marked as an earlier output nor holds only names this write would put there
 * (`ownNames`: the top-level files and folders of the output).
 */
export function checkOutputFolder(outDir: string, ownNames: ReadonlySet<string>): void {
  const blocking = fileInTheWay(outDir);
  if (blocking === outDir) throw new OutputLocationError(`${outDir} is a file; the output is a folder, replaced as a whole: choose another path`);
  if (blocking !== undefined) throw new OutputLocationError(`cannot write ${outDir}: ${blocking} is a file, not a folder; choose another output folder`);
  if (statIfPresent(outDir) === undefined) return;
  const entries = readdirSync(outDir);
  if (entries.includes(outputMarker)) return;
  // An output written before the marker existed holds only names this write puts there.
  const foreign = entries.filter((name) => !ownNames.has(name));
  if (foreign.length > 0) {
    const shown = foreign.slice(0, 3).join(", ") + (foreign.length > 3 ? `, … (${foreign.length} in all)` : "");
    throw new OutputLocationError(
      `${outDir} holds files fno-connector did not write (${shown}); the output replaces the folder as a whole, so it is refused: choose a new or empty folder, or move those files away`,
    );
  }
}

/** The file that keeps `dir` from being a folder: `dir` itself, or the nearest existing path above it; undefined when none does. */
export function fileInTheWay(dir: string): string | undefined {
  for (let at = path.resolve(dir); ; at = path.dirname(at)) {
    const stats = statIfPresent(at);
    if (stats !== undefined) return stats.isDirectory() ? undefined : at;
    if (path.dirname(at) === at) return undefined;
  }
}

/** The path's stats; undefined when nothing is there, or a file above it makes it impossible. Other errors are thrown. */
export function statIfPresent(file: string): Stats | undefined {
  try {
    return statSync(file);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === "ENOENT" || code === "ENOTDIR") return undefined;
    throw err;
  }
}

function stageFolder(outDir: string, files: ReadonlyMap<string, Buffer>, marker: boolean): StagedFolder {
  checkOutputFolder(outDir, new Set([...files.keys()].map((name) => name.split(/[\\/]/)[0]!)));
  const parent = path.dirname(outDir);
  const createdParent = mkdirSync(parent, { recursive: true });
  const staged: StagedFolder = {
    outDir,
    staging: path.join(parent, `.${path.basename(outDir)}.tmp-${process.pid}`),
    previous: path.join(parent, `.${path.basename(outDir)}.old-${process.pid}`),
    createdParent,
  };
  rmSync(staged.staging, { recursive: true, force: true });
  try {
    mkdirSync(staged.staging);
    for (const [name, bytes] of [...files, ...(marker ? [[outputMarker, Buffer.from(markerText)] as const] : [])]) {
      const target = path.join(staged.staging, name);
      if (path.relative(staged.staging, target).startsWith("..")) throw new Error(`refusing to write outside ${outDir}: ${name}`);
      mkdirSync(path.dirname(target), { recursive: true });
      writeFileSync(target, bytes);
    }
  } catch (err) {
    discard([staged]);
    throw err;
  }
  return staged;
}

/** Swaps staged folders into place; if one fails, the ones already swapped get their previous folders back. */
function commit(folders: StagedFolder[]): void {
  const swapped: { folder: StagedFolder; hadPrevious: boolean }[] = [];
  try {
    for (const folder of folders) {
      rmSync(folder.previous, { recursive: true, force: true });
      let hadPrevious = true;
      try {
        renameSync(folder.outDir, folder.previous);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== "ENOENT") throw err;
        hadPrevious = false;
      }
      try {
        renameSync(folder.staging, folder.outDir);
      } catch (err) {
        if (hadPrevious) renameSync(folder.previous, folder.outDir);
        throw err;
      }
      swapped.push({ folder, hadPrevious });
    }
  } catch (err) {
    for (const { folder, hadPrevious } of swapped.reverse()) {
      rmSync(folder.outDir, { recursive: true, force: true });
      if (hadPrevious) renameSync(folder.previous, folder.outDir);
    }
    discard(folders);
    throw err;
  }
  for (const folder of folders) rmSync(folder.previous, { recursive: true, force: true });
}

/** Removes staged folders, and the parent folders staging created, so an abandoned write leaves nothing behind. */
function discard(folders: StagedFolder[]): void {
  for (const folder of folders) rmSync(folder.staging, { recursive: true, force: true });
  for (const { outDir, createdParent } of folders) {
    if (createdParent === undefined) continue;
    for (let dir = path.dirname(outDir); dir.length >= createdParent.length; dir = path.dirname(dir)) {
      try {
        rmdirSync(dir); // only when empty: another output may have been staged beside it
      } catch {
        break;
      }
    }
  }
}
