/**
 * The embedded F&O simulator: everything tests, tools and the CLI use from outside this folder. The F&O
 * behaviour it follows, with its evidence: docs/platform-assumptions.md, "F&O API behaviour".
 */
export { startSimulator, Simulator } from "./simulator.ts";
export type { SimulatorConnection, SeededExport, ExportMessageState, ImportMessageState } from "./simulator.ts";
export { SimulatorConfigError } from "./errors.ts";
export { loadScenario, ScenarioError } from "./scenario.ts";
export { SimulatedClock, type ClockOptions } from "./clock.ts";
export { defaultIds, type SimulatorOptions, type ActivityOptions, type FaultOptions, type ExportSeed, type ExportSeedRequest } from "./options.ts";
export type { FaultRule, StatusFault, BodyFault, LatencyFault } from "./faults.ts";
export type { ThrottleOptions } from "./throttle.ts";
export type { ImportOptions, ImportOutcomeRule, ImportOutcomeStatus, ExecutionError } from "./import-queue.ts";
export type { CounterSnapshot } from "./counters.ts";
export type { PackageApiOptions, ImportCall, PackageExecutionState } from "./package-api.ts";
export type { DefinitionGroupOptions, PackageOutcomeRule, PackageOutcomeStatus, EntityErrorFiles, ExecutionSummaryStatus } from "./package-executions.ts";
export type { BlobStore, BlobState, BlobKind } from "./blob-store.ts";
export { endpointNames, type EndpointName } from "./endpoints.ts";
export type { ClientCredentials } from "./auth.ts";
