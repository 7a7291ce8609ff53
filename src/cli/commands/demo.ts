import path from "node:path";
import type { Command } from "commander";
import { loadPackage } from "../../gateway/index.ts";
import { checkOutputFolder } from "../../compile/write.ts";
import { deployToDataverseDouble, runAgainstSimulator } from "../demo-run.ts";
import { runJobsDemo } from "../demo-jobs.ts";
import { CliError, ExitCode } from "../errors.ts";
import { formatBytes } from "../progress.ts";
import { integerOption } from "../options.ts";

export function registerDemo(program: Command): void {
  program
    .command("demo")
    .description("Run the export and import workflows against the embedded simulator, through the compiled connector and the client")
    .option("--package <dir>", "compiled connector package", "dist/connector")
    .option("--out <dir>", "where downloads and uploads go, replaced as a whole (a folder holding other files is refused)", "dist/run")
    .addOption(integerOption("--messages <n>", "export messages to seed", { min: 1, max: 1000 }).default(24))
    .option("--json", "print the summary as JSON")
    .option("--source <dir>", "connector source folder, for the deploy step's own build", "connector")
    .option("--solution <dir>", "the connector solution's own metadata, for the deploy step", "solution")
    .action(async (flags: { package: string; out: string; messages: number; json?: boolean; source: string; solution: string }) => {
      // The run empties the folder first: only a folder holding what an earlier run wrote may be emptied.
      checkOutputFolder(path.resolve(flags.out), new Set(["through-connector", "uploads", "sync", "package-export", "jobs"]));
      const summary = await runAgainstSimulator({
        connector: loadPackage(path.resolve(flags.package)),
        outDir: path.resolve(flags.out),
        exportMessages: flags.messages,
        log: flags.json ? undefined : (line) => process.stdout.write(`  ${line}\n`),
      });
      const deployed = await deployToDataverseDouble({
        source: path.resolve(flags.source),
        solution: path.resolve(flags.solution),
        log: flags.json ? undefined : (line) => process.stdout.write(`  ${line}\n`),
      });
      if (flags.json) process.stdout.write(JSON.stringify({ ...summary, deploy: { ...deployed, checklist: undefined } }, null, 2) + "\n");
      else {
        const { sync, imports } = summary.client;
        process.stdout.write(
          [
            "",
            `exports: ${summary.gateway.exported.length} through the compiled connector, ${sync.stored} by sync ` +
              `(${formatBytes(sync.bytes)} in ${sync.seconds.toFixed(2)} s); ${summary.verified.packages} packages verified by SHA-256`,
            `imports: ${imports.map((r) => `${r.status}`).join(", ")} (client), ${summary.gateway.imported.status} (connector)`,
            `package API: export ${summary.packageApi.exported.status} (${formatBytes(summary.packageApi.exported.bytes)}, SHA-256 checked); ` +
              `imports ${summary.packageApi.imports.map((r) => r.status).join(", ")}, error files beside the inputs in ${path.relative(process.cwd(), flags.out)}/uploads`,
            `outputs: ${["through-connector", "sync", "package-export"].map((dir) => `${path.relative(process.cwd(), flags.out)}/${dir}`).join(", ")}; ` +
              `connector package: ${flags.package}; solutions: dist/solution`,
            `deploy: ${deployed.imported.join(", ")} imported into the Dataverse double through the Web API (a build with test sign-in values; dist/solution keeps its placeholders)`,
          ].join("\n") + "\n",
        );
        // The jobs' results belong with the other results, before what is left to do by hand.
        await runJobsDemo(path.join(path.resolve(flags.out), "jobs"), (text) => process.stdout.write(text));
        process.stdout.write(`\n${deployed.checklist}`);
      }
      if (summary.verified.mismatches.length > 0) {
        throw new CliError(`packages on disk differ from what the simulator served: ${summary.verified.mismatches.join(", ")}`, ExitCode.failed);
      }
    });
}
