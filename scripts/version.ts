// The one command that changes the solution version (solution/Other/Solution.xml <Version>, the only place it is kept):
//   npx tsx scripts/version.ts                     print it
//   npx tsx scripts/version.ts build               bump a part (major | minor | build | revision); later parts reset to 0
//   npx tsx scripts/version.ts 1.2.0.0             set it (never lower: an installed managed solution is not upgraded to a lower version)
import { readFileSync, renameSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import {
  bumpVersion,
  formatVersion,
  parseSolutionSource,
  parseSolutionVersion,
  replaceSolutionXmlVersion,
  SolutionError,
  sourceFiles,
  versionParts,
  type SolutionVersion,
  type VersionPart,
} from "../src/solution/index.ts";

const solutionDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "solution");
const solutionFile = path.join(solutionDir, sourceFiles.solution);

try {
  const text = readFileSync(solutionFile, "utf8");
  const current = parseSolutionSource(
    { solution: Buffer.from(text, "utf8"), customizations: readFileSync(path.join(solutionDir, sourceFiles.customizations)) },
    solutionDir,
  ).manifest.version;
  const request = process.argv[2];
  if (request === undefined) {
    console.log(formatVersion(current));
  } else {
    const next = nextVersion(current, request);
    const temporary = `${solutionFile}.tmp-${process.pid}`;
    writeFileSync(temporary, replaceSolutionXmlVersion(text, next, solutionFile));
    renameSync(temporary, solutionFile);
    console.log(`${formatVersion(current)} → ${formatVersion(next)} (${path.relative(process.cwd(), solutionFile)})`);
  }
} catch (err) {
  if (!(err instanceof SolutionError)) throw err;
  console.error(`version: ${err.message}`);
  process.exitCode = 1;
}

function nextVersion(current: SolutionVersion, request: string): SolutionVersion {
  if ((versionParts as readonly string[]).includes(request)) return bumpVersion(current, request as VersionPart);
  const wanted = parseSolutionVersion(request, "argument");
  const order = versionParts.map((p) => wanted[p] - current[p]).find((d) => d !== 0) ?? 0;
  if (order < 0) {
    throw new SolutionError(`${request} is lower than the current version ${formatVersion(current)}; an installed managed solution is not upgraded to a lower version`);
  }
  return wanted;
}
