import { readdirSync, writeFileSync } from "node:fs";
import { expect } from "vitest";
import { FnoClient, LoopbackClientSecretCredential } from "../../src/client/index.ts";
import type { Simulator, SimulatorOptions } from "../../src/simulator/index.ts";
import { writeZip } from "../../src/zip/index.ts";
import { simulatorsClosedAfterEach } from "../support/simulators.ts";
import type { VirtualClock } from "../support/virtual-clock.ts";
import { quickRetry } from "./support.ts";

/** A simulator and a client on one virtual clock that moves by itself when both are idle: polls cost no real time. */
export interface PackageRig {
  sim: Simulator;
  clock: VirtualClock;
  client: FnoClient;
}

const startSimulatorOnVirtualClock = simulatorsClosedAfterEach();

export async function packageRig(options: SimulatorOptions = {}): Promise<PackageRig> {
  const { sim, clock } = await startSimulatorOnVirtualClock({ seed: 13, ...options });
  const c = sim.connection;
  const client = new FnoClient({
    environmentUrl: c.environmentUrl,
    credential: new LoopbackClientSecretCredential(c.authorityHost, c.tenantId, c.clientId, c.clientSecret),
    retry: quickRetry,
    now: () => clock.now(),
    sleep: (ms, signal) => clock.sleep(ms, signal),
  });
  return { sim, clock, client };
}

/** A manifest shaped like F&O's, one `DataManagementPackageEntityData` per entity, each reading `<entity>.csv`. */
export function manifestXml(entities: readonly string[]): string {
  const list = entities
    .map((e) => `<DataManagementPackageEntityData><EntityName>${e}</EntityName><InputFilePath>${e}.csv</InputFilePath></DataManagementPackageEntityData>`)
    .join("");
  return `<?xml version="1.0" encoding="utf-8"?><DataManagementPackageManifest xmlns="http://schemas.microsoft.com/dynamics/2015/01/DataManagement"><PackageEntityList>${list}</PackageEntityList></DataManagementPackageManifest>`;
}

/** Writes a data package: Manifest.xml, PackageHeader.xml and one CSV per entity. */
export async function writeDataPackage(file: string, entities: readonly string[]): Promise<string> {
  const entries = new Map<string, Buffer>([
    ["Manifest.xml", Buffer.from(manifestXml(entities))],
    ["PackageHeader.xml", Buffer.from("<DataManagementPackageHeader/>")],
    ...entities.map((e): [string, Buffer] => [`${e}.csv`, Buffer.from("ID,NAME\r\n1,one\r\n")]),
  ]);
  writeFileSync(file, await writeZip(entries));
  return file;
}

/** The names in a folder, sorted. */
export function namesIn(dir: string): string[] {
  return readdirSync(dir).sort();
}

/** The error a call rejects with; the test fails if it resolves. */
export async function failure<E extends Error = Error>(call: Promise<unknown>): Promise<E> {
  return call.then(
    () => expect.unreachable("the call should have failed"),
    (e: unknown) => e as E,
  );
}
