import path from "node:path";
import type { Command } from "commander";
import { readCompiledConnector, readSolutionSource, solutionParts, writeSolution } from "../../solution/index.ts";

/** `fno-connector pack [--no-flows]`: dist/connector + solution/ → dist/solution (folders and zips of both solutions). */
export function registerPack(program: Command): void {
  program
    .command("pack")
    .description(
      "Pack the compiled connector into Dataverse solution zips (unmanaged and managed) in dist/solution: the connector solution, and the flows solution (sample flow, connection references, environment variables) to import after it",
    )
    .option("--no-flows", "write only the connector solution")
    .option("--connector <dir>", "compiled connector package, as written by `build`", "dist/connector")
    .option("--solution <dir>", "the solution's own metadata (pac unpack layout)", "solution")
    .option("--out <dir>", "output folder, replaced as a whole", "dist/solution")
    .action(async (options: { flows: boolean; connector: string; solution: string; out: string }) => {
      const connector = readCompiledConnector(path.resolve(options.connector));
      const source = readSolutionSource(path.resolve(options.solution));
      const written = await writeSolution(connector, source, path.resolve(options.out), options.flows ? solutionParts : ["connector"]);
      for (const file of written) process.stdout.write(`wrote ${path.relative(process.cwd(), file)}\n`);
    });
}
