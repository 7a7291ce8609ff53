import { readFileSync } from "node:fs";
import path from "node:path";
import type { Command } from "commander";
import { unpackSolution, writeUnpackedSolution } from "../../solution/index.ts";
import { CliError, ExitCode } from "../errors.ts";
import { fsReason } from "../../errors/index.ts";
import { requireInputFile, requireOutputFolder } from "../paths.ts";

/** `fno-connector unpack ZIP DIR`: any solution zip → the `pac solution unpack` layout in a new folder. */
export function registerUnpack(program: Command): void {
  program
    .command("unpack")
    .description("Unpack a solution zip into the layout `pac solution unpack` writes (Other/Solution.xml, Connectors/, Workflows/, …)")
    .argument("<zip>", "solution zip file")
    .argument("<dir>", "folder to create (must not exist or be empty)")
    .action(async (zipFile: string, dir: string) => {
      requireOutputFolder(dir, "unpack folder");
      requireInputFile(zipFile, "a solution zip file");
      let bytes: Buffer;
      try {
        bytes = readFileSync(zipFile);
      } catch (err) {
        throw new CliError(`cannot read ${zipFile}: it ${fsReason(err)}`, ExitCode.unreadable);
      }
      const files = await unpackSolution(bytes, zipFile);
      writeUnpackedSolution(path.resolve(dir), files);
      process.stdout.write(`unpacked ${files.size} files into ${dir}\n`);
    });
}
