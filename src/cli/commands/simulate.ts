import { once } from "node:events";
import type { Command } from "commander";
import { integerOption } from "../options.ts";
import { CliError, ExitCode } from "../errors.ts";
import {
  SimulatorConfigError,
  loadScenario,
  startSimulator,
  type Simulator,
  type SimulatorOptions,
} from "../../simulator/index.ts";

/**
 * `fno-connector simulate [--port N] [--seed N] [--scenario FILE]`: runs the F&O simulator on 127.0.0.1
 * until Ctrl-C, after printing what a client needs to connect. Flags override the scenario's values.
 */
export function registerSimulate(program: Command): void {
  program
    .command("simulate")
    .description("Run a local simulated F&O environment (recurring integrations API, token endpoint, faults) until Ctrl-C")
    .addOption(integerOption("--port <port>", "TCP port on 127.0.0.1; 0 or none for a free one", { min: 0, max: 65535 }))
    .addOption(integerOption("--seed <seed>", "seed for IDs, package contents and fault dice (default 1)", { min: 0, max: 0xffffffff }))
    .option("--scenario <file>", "YAML or JSON file with simulator options (activities, messages, faults, throttle)")
    .action(async (flags: { port?: number; seed?: number; scenario?: string }) => {
      const options: SimulatorOptions = {
        ...(flags.scenario === undefined ? {} : loadScenario(flags.scenario)),
        ...(flags.port === undefined ? {} : { port: flags.port }),
        ...(flags.seed === undefined ? {} : { seed: flags.seed }),
      };
      let simulator: Simulator;
      try {
        simulator = await startSimulator(options);
      } catch (err) {
        if (err instanceof SimulatorConfigError) throw new CliError(`${flags.scenario ?? "options"}: ${err.message}`, ExitCode.unreadable);
        if ((err as NodeJS.ErrnoException).code === "EADDRINUSE") throw new CliError(`port ${options.port} is already in use`, ExitCode.failed);
        throw err;
      }
      process.stdout.write(describe(simulator));
      await Promise.race([once(process, "SIGINT"), once(process, "SIGTERM")]);
      await simulator.close();
      process.stdout.write("simulator stopped\n");
    });
}

function describe(simulator: Simulator): string {
  const c = simulator.connection;
  const queued = c.exportActivityIds.map((id) => `${id} (${simulator.exportMessages(id).length} messages queued)`);
  const rows: [string, string][] = [
    ["environment URL", c.environmentUrl],
    ["tenant ID", c.tenantId],
    ["client ID", c.clientId],
    ["client secret", c.clientSecret],
    ["token endpoint", `${c.tokenUrlV2} (v1: ${c.tokenUrlV1})`],
    ...queued.map((text): [string, string] => ["export activity", text]),
    ...c.importActivityIds.map((id): [string, string] => ["import activity", id]),
    ...c.exportDefinitionGroupIds.map((id): [string, string] => ["export project", id]),
    ...c.importDefinitionGroupIds.map((id): [string, string] => ["import project", id]),
    ["blob store", c.blobUrl],
    ["admin API", `${c.adminUrl}/counters, /connection, /faults, /export/{id}/messages, ...`],
  ];
  const width = Math.max(...rows.map(([label]) => label.length));
  return (
    `F&O simulator listening on ${c.environmentUrl}\n` +
    rows.map(([label, value]) => `  ${label.padEnd(width)}  ${value}\n`).join("") +
    "Press Ctrl-C to stop.\n"
  );
}
