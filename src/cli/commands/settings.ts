import { existsSync, statSync, writeFileSync } from "node:fs";
import path from "node:path";
import type { Command } from "commander";
import { readBuildConfig } from "../../compile/config.ts";
import { compileConnector } from "../../compile/index.ts";
import { packSolution, readSolutionSource, solutionZipName } from "../../solution/index.ts";
import { formatSettings, settingsTemplate } from "../../solution/deployment-settings.ts";
import { CliError, ExitCode } from "../errors.ts";

/**
 * `fno-connector settings [--out FILE]`: the deployment settings file of the flows solution, in the shape
 * `pac solution create-settings` writes, read from the flows solution as the build packs it (so its names are
 * the package's). Fill in the values and pass it to `deploy --settings-file`.
 */
export function registerSettings(program: Command): void {
  program
    .command("settings")
    .description("Write the flows solution's deployment settings file (connection references and environment variables, values empty)")
    .option("--out <file>", "write it to this file instead of stdout (an existing file is not replaced)")
    .option("--source <dir>", "connector source folder", "connector")
    .option("--solution <dir>", "the connector solution's own metadata", "solution")
    .action((options: { out?: string; source: string; solution: string }) => {
      if (options.out !== undefined) {
        const folder = path.dirname(path.resolve(options.out));
        if (!existsSync(folder) || !statSync(folder).isDirectory()) throw new CliError(`--out ${options.out}: the folder ${folder} does not exist`, ExitCode.unreadable);
        if (existsSync(options.out)) throw new CliError(`--out ${options.out}: already exists; it may hold filled-in values, so it is not replaced`, ExitCode.unreadable);
      }
      const { connector } = compileConnector(path.resolve(options.source), readBuildConfig(process.cwd()));
      let text: string;
      const source = readSolutionSource(path.resolve(options.solution));
      const entries = packSolution(connector, { source, packageType: "unmanaged", part: "flows" });
      text = formatSettings(settingsTemplate(entries, solutionZipName(source.manifest, { part: "flows", packageType: "unmanaged" })));
      if (options.out === undefined) process.stdout.write(text);
      else {
        writeFileSync(options.out, text, { flag: "wx" });
        process.stdout.write(`wrote ${options.out}: fill in each Value and ConnectionId, then  deploy --settings-file ${options.out}\n`);
      }
    });
}
