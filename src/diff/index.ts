/** Comparing two versions of a connector for changes that break makers' flows. */
export { diffConnectors, gate, type Change, type ChangeClass, type ConnectorVersion, type Side } from "./compare.ts";
export { readConnector, readConnectorAt, type LoadedVersion } from "./load.ts";
