import path from "node:path";
import type { Command } from "commander";
import { readBuildConfig } from "../../compile/config.ts";
import { compileConnector } from "../../compile/index.ts";
import { readSolutionSource } from "../../solution/index.ts";
import { setupGuide } from "../../solution/setup-guide.ts";

/** `fno-connector setup`: the admin's sign-in and import checklist, with this build's values. */
export function registerSetup(program: Command): void {
  program
    .command("setup")
    .description("Print every step an admin takes to sign in and import: Entra app, F&O registration, secret, redirect URI, connections, the two solutions")
    .option("--source <dir>", "connector source folder", "connector")
    .option("--solution <dir>", "the connector solution's own metadata", "solution")
    .option("--solution-out <dir>", "where the build writes the solution zips", "dist/solution")
    .action((options: { source: string; solution: string; solutionOut: string }) => {
      const config = readBuildConfig(process.cwd());
      const { connector } = compileConnector(path.resolve(options.source), config);
      const { manifest } = readSolutionSource(path.resolve(options.solution));
      const connectorTitle = String((connector.definition.info as { title?: unknown } | undefined)?.title ?? "");
      process.stdout.write(setupGuide({ config, manifest, connectorTitle, solutionDir: options.solutionOut }));
    });
}
