/**
 * Dataverse solutions: the connector (and optionally a sample flow) packed as importable zips shaped
 * like real exports, the reverse (unpack), and deployment through pac. The formats are in
 * docs/format-notes.md; what could not be verified is in docs/platform-assumptions.md.
 */
export { SolutionError } from "./errors.ts";
export { readCompiledConnector } from "./compiled.ts";
export { readSolutionSource, parseSolutionSource, sourceFiles, type SolutionSource, type SolutionManifest } from "./source.ts";
export {
  assembleSolutionFolder,
  packSolution,
  buildSolutionFiles,
  writeSolution,
  solutionUniqueName,
  solutionZipName,
  solutionParts,
  type PackOptions,
  type SolutionPart,
} from "./pack.ts";
export { flowsSolution } from "./flows.ts";
export { downloadPathExpression, sampleFlow } from "./sample-flow.ts";
export { importFlow, writeUrlExpression } from "./import-flow.ts";
export { findOnPath, formatCommand, pacArguments, runPac, withoutPacHelp, type DeployTarget } from "./deploy.ts";
export { unpackSolution, writeUnpackedSolution } from "./unpack.ts";
export { folderToZip, zipToFolder, type SolutionFiles } from "./layout.ts";
export { guidPattern } from "./names.ts";
export {
  bumpVersion,
  formatVersion,
  parseSolutionVersion,
  replaceSolutionXmlVersion,
  versionFileStem,
  versionParts,
  type SolutionVersion,
  type VersionPart,
} from "./version.ts";
