import type { Command } from "commander";

/** Every command registers itself on the program. */
export type RegisterCommand = (program: Command) => void;

const steps = async () => (await import("./steps.ts")).registerSteps;
const packageApi = async () => (await import("./package.ts")).registerPackage;

/**
 * The CLI's table of contents: command name → its module, loaded on demand. A run loads only the module
 * of the command it names, so `sync` or `download` do not pay for the validator, the solution packer or
 * the simulator (start-up time and memory while streaming packages).
 */
export const commandModules: Record<string, () => Promise<RegisterCommand>> = {
  build: async () => (await import("./build.ts")).registerBuild,
  types: async () => (await import("./types.ts")).registerTypes,
  validate: async () => (await import("./validate.ts")).registerValidate,
  diff: async () => (await import("./diff.ts")).registerDiff,
  pack: async () => (await import("./pack.ts")).registerPack,
  unpack: async () => (await import("./unpack.ts")).registerUnpack,
  deploy: async () => (await import("./deploy.ts")).registerDeploy,
  setup: async () => (await import("./setup.ts")).registerSetup,
  settings: async () => (await import("./settings.ts")).registerSettings,
  invoke: async () => (await import("./invoke.ts")).registerInvoke,
  sync: async () => (await import("./sync.ts")).registerSync,
  run: async () => (await import("./run.ts")).registerRun,
  jobs: async () => (await import("./jobs.ts")).registerJobs,
  dequeue: steps,
  download: steps,
  ack: steps,
  status: steps,
  enqueue: steps,
  "export-package": packageApi,
  "import-package": packageApi,
  simulate: async () => (await import("./simulate.ts")).registerSimulate,
  demo: async () => (await import("./demo.ts")).registerDemo,
};

/** The registrations a run needs: the named command's module, or all of them (help, unknown commands). */
export async function commandsFor(args: readonly string[]): Promise<RegisterCommand[]> {
  const named = args[0] !== undefined ? commandModules[args[0]] : undefined;
  const loaders = named ? [named] : [...new Set(Object.values(commandModules))];
  return Promise.all(loaders.map((load) => load()));
}
