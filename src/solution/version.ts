import { SolutionError } from "./errors.ts";

/** `major.minor.build.revision`, as in `<Version>` of solution.xml and in export file names (`X_1_0_0_0.zip`). */
export interface SolutionVersion {
  major: number;
  minor: number;
  build: number;
  revision: number;
}

export const versionParts = ["major", "minor", "build", "revision"] as const;
export type VersionPart = (typeof versionParts)[number];

// Each part is a .NET System.Version component: a non-negative Int32.
const maxPart = 2_147_483_647;

export function parseSolutionVersion(text: string, where: string): SolutionVersion {
  const match = /^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)$/.exec(text.trim());
  const parts = match?.slice(1).map(Number);
  if (parts === undefined || parts.some((p) => p > maxPart)) {
    throw new SolutionError(
      `${where}: version "${text}" is not valid; expected four whole numbers major.minor.build.revision (each 0-${maxPart}, no leading zeros), for example 1.0.0.0`,
    );
  }
  const [major, minor, build, revision] = parts as [number, number, number, number];
  return { major, minor, build, revision };
}

export function formatVersion(v: SolutionVersion): string {
  return versionParts.map((p) => v[p]).join(".");
}

/** The version as export file names write it: `1_0_0_0`. */
export function versionFileStem(v: SolutionVersion): string {
  return versionParts.map((p) => v[p]).join("_");
}

/** Adds one to `part` and resets the parts after it, as a release number does. */
export function bumpVersion(v: SolutionVersion, part: VersionPart): SolutionVersion {
  const index = versionParts.indexOf(part);
  const next = { ...v };
  next[part] = v[part] + 1;
  for (const lower of versionParts.slice(index + 1)) next[lower] = 0;
  if (next[part] > maxPart) throw new SolutionError(`cannot bump ${part} of ${formatVersion(v)}: it would exceed ${maxPart}`);
  return next;
}

/**
 * Rewrites the one `<Version>` element of a Solution.xml text and nothing else, so the committed
 * file keeps its bytes (BOM, line endings, attribute order) apart from the number.
 */
export function replaceSolutionXmlVersion(solutionXml: string, version: SolutionVersion, where: string): string {
  const pattern = /<Version>[^<]*<\/Version>/g;
  const count = solutionXml.match(pattern)?.length ?? 0;
  if (count !== 1) throw new SolutionError(`${where}: expected exactly one <Version> element, found ${count}`);
  return solutionXml.replace(pattern, `<Version>${formatVersion(version)}</Version>`);
}
