import { createWriteStream } from "node:fs";
import { mkdir, rename, rm } from "node:fs/promises";
import path from "node:path";
import { pipeline } from "node:stream/promises";
import { readZipEntries, type ZipLimits } from "../zip/index.ts";

/** Data packages are larger than solutions: a generous total, the same guard against bombs. */
export const packageExtractLimits: ZipLimits = {
  maxEntries: 10_000,
  maxEntryBytes: 8 * 1024 ** 3,
  maxTotalBytes: 8 * 1024 ** 3,
  maxRatio: 200,
};

/**
 * Unzips a stored package into `<outDir>/<name>/` with the checks of readZipEntries (no absolute or `..`
 * names, no bombs, bounded size and count), streaming each entry to disk. Everything is written into a
 * temporary folder first, so the package folder appears whole or not at all.
 */
export async function extractPackage(zipFile: string, outDir: string, name: string, limits: ZipLimits = packageExtractLimits): Promise<string> {
  const final = path.join(outDir, name);
  const staging = path.join(outDir, `.${name}.extracting-${process.pid}`);
  await rm(staging, { recursive: true, force: true });
  await mkdir(staging, { recursive: true });
  try {
    await readZipEntries({ file: zipFile }, zipFile, limits, async (entryName, content) => {
      const target = path.resolve(staging, entryName);
      // readZipEntries already refuses such names; this keeps the write itself safe on its own terms.
      if (!target.startsWith(staging + path.sep)) throw new Error(`entry "${entryName}" would land outside the package folder`);
      await mkdir(path.dirname(target), { recursive: true });
      await pipeline(content, createWriteStream(target, { flags: "wx" }));
    });
    await rm(final, { recursive: true, force: true });
    await rename(staging, final);
    return final;
  } catch (err) {
    await rm(staging, { recursive: true, force: true });
    throw err;
  }
}
