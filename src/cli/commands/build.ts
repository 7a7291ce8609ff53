import path from "node:path";
import type { Command } from "commander";
import { buildConnector, pacCreateCommand } from "../../compile/build.ts";
import { writesTogether } from "../../compile/write.ts";
import { configurationHelp, unconfiguredSignIn } from "../../compile/config.ts";
import { CliError, ExitCode } from "../errors.ts";
import { formatFinding } from "../format.ts";
import { readSolutionSource, writeSolution } from "../../solution/index.ts";

export function registerBuild(program: Command): void {
  program
    .command("build")
    .description("Compile connector/ into dist/connector (apiDefinition.swagger.json, apiProperties.json, icon.png, settings.json) and the solution zips into dist/solution")
    .option("--source <dir>", "connector source folder", "connector")
    .option("--out <dir>", "output folder, replaced as a whole (a folder holding files build did not write is refused)", "dist/connector")
    .option("--solution <dir>", "the solution's own metadata (pac unpack layout)", "solution")
    .option("--solution-out <dir>", "where the solution zips go, replaced as a whole like --out", "dist/solution")
    .option("--no-solution", "build only the connector package")
    .option("--json", "print the result as JSON")
    // Both folders are staged first and swapped in together: a failure leaves both as they were.
    .action(writesTogether(async (options: { source: string; out: string; solution: string | false; solutionOut: string; json?: boolean }) => {
      const outDir = path.resolve(options.out);
      const result = buildConnector(process.cwd(), path.resolve(options.source), outDir);
      const errors = result.findings.filter((f) => f.severity === "error").length;
      if (options.json) {
        process.stdout.write(
          JSON.stringify({ outDir: result.outDir ?? null, configSources: result.config.sources, findings: result.findings }, null, 2) + "\n",
        );
      } else {
        for (const finding of result.findings) process.stderr.write(formatFinding(finding) + "\n");
      }
      if (!result.outDir) {
        throw new CliError(`build failed: ${errors} error(s) in ${options.source}; ${options.out} was left as it was`, ExitCode.failed);
      }
      // The solutions are made from the package just compiled, in memory: they cannot drift from it.
      let solutions: string[] = [];
      if (options.solution !== false) {
        solutions = await writeSolution(result.compilation.connector, readSolutionSource(path.resolve(options.solution)), path.resolve(options.solutionOut));
      }
      if (options.json) return;
      process.stdout.write(`built ${path.relative(process.cwd(), outDir)} (${result.findings.length} warning(s))\n`);
      for (const file of solutions) process.stdout.write(`wrote ${path.relative(process.cwd(), file)}\n`);
      // A package that cannot sign anyone in is never handed over with an upload command beside it.
      const unconfigured = unconfiguredSignIn((result.compilation.connector.properties.properties as { connectionParameters?: unknown } | undefined)?.connectionParameters);
      if (unconfigured.length > 0) {
        process.stdout.write(`not ready to upload or import: ${configurationHelp(unconfigured)}\n`);
        return;
      }
      if (solutions.length > 0) process.stdout.write("import the solutions in this order: the connector solution, then the flows solution (`npm run cli -- deploy`)\n");
      process.stdout.write(`or upload the connector alone with: ${pacCreateCommand(outDir)}\n`);
    }));
}
