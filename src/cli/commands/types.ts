import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import type { Command } from "commander";
import { compileConnector } from "../../compile/index.ts";
import { placeholderConfig } from "../../compile/config.ts";
import { CliError, ExitCode } from "../errors.ts";

export function registerTypes(program: Command): void {
  program
    .command("types")
    .description("Generate TypeScript types for the connector's operations into src/generated/")
    .option("--source <dir>", "connector source folder", "connector")
    .option("--out <file>", "generated file", "src/generated/fno-connector.ts")
    .option("--check", "fail when the committed file differs from what the source gives")
    .action(async (options: { source: string; out: string; check?: boolean }) => {
      // The client ID only lands in apiProperties, which types do not read: the placeholder keeps this independent of local config.
      const { connector } = compileConnector(path.resolve(options.source), placeholderConfig);
      // openapi-typescript pulls in the TypeScript compiler: load it only for this command, not at CLI start-up.
      const { generateTypes } = await import("../../compile/types.ts");
      const text = await generateTypes(connector.definition);
      const outFile = path.resolve(options.out);
      if (options.check) {
        let current: string | undefined;
        try {
          current = readFileSync(outFile, "utf8");
        } catch {
          current = undefined;
        }
        if (current !== text) {
          throw new CliError(`${options.out} is out of date with ${options.source}/: run \`npm run types\` and commit the result`, ExitCode.failed);
        }
        process.stdout.write(`${options.out} is up to date\n`);
        return;
      }
      mkdirSync(path.dirname(outFile), { recursive: true });
      writeFileSync(outFile, text);
      process.stdout.write(`wrote ${options.out}\n`);
    });
}
