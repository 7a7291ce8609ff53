import { readFileSync } from "node:fs";
import path from "node:path";
import { expect } from "vitest";
import { outcomeUnknown } from "../../../src/jobs/kinds/upload-folder.ts";
import type { Simulator } from "../../../src/simulator/index.ts";
import { stateDirName } from "../../../src/workflows/journal.ts";
import { packageDigests } from "../../../src/workflows/package-store.ts";
import { landed, leftOver, namesIn, sha256 } from "./support.ts";

export interface UploadTally {
  success: number;
  error: number;
  /** Files in error/ as OutcomeUnknown, and how many of them F&O has a message for. */
  unknown: number;
  unknownSent: number;
}

/**
 * Every dropped file is in success/ or error/ exactly once with its own bytes, nothing is left anywhere else, and
 * each status matches the simulator's record: a file F&O has a message for was sent exactly once and its final
 * status is the simulator's (a failed one with its execution's errors beside it); a file whose outcome is unknown was
 * sent at most once; F&O has no message for a file that is not on disk.
 */
export function assertUploadsSettled(sim: Simulator, activityId: string, folder: string, dropped: ReadonlyMap<string, string>): UploadTally {
  expect(leftOver(folder), `${folder}: nothing left outside success/ and error/`).toEqual([]);
  const messages = sim.importMessages(activityId);
  const byFile = groupBy(messages, (m) => m.externalIdentifier ?? "");
  const places = groupBy(landed(folder), (l) => l.record.file);
  expect([...places.keys()].sort()).toEqual([...dropped.keys()].sort());
  expect([...byFile.keys()].filter((file) => !dropped.has(file)), "messages for files not on disk").toEqual([]);
  const tally: UploadTally = { success: 0, error: 0, unknown: 0, unknownSent: 0 };
  for (const [file, sha256] of dropped) {
    const [place, ...again] = places.get(file)!;
    expect(again, `${file} is in success/ or error/ once`).toEqual([]);
    expect(place!.dataSha256, `${file}'s bytes`).toBe(sha256);
    const sent = byFile.get(file) ?? [];
    tally[place!.where]++;
    if (place!.record.status === outcomeUnknown) {
      expect(place!.where).toBe("error");
      expect(sent.length, `${file}: outcome unknown, sent at most once`).toBeLessThanOrEqual(1);
      tally.unknown++;
      tally.unknownSent += sent.length;
      continue;
    }
    expect(sent.length, `${file} sent exactly once`).toBe(1);
    const [message] = sent;
    expect(place!.record.messageId).toBe(message!.messageId);
    expect(place!.record.sha256).toBe(message!.sha256);
    expect(place!.record.status.toLowerCase()).toBe(message!.status.toLowerCase());
    expect(place!.where).toBe(message!.status === "Processed" ? "success" : "error");
    // A failed one has its execution's errors beside it.
    if (place!.where === "error") expect(place!.errors, `${file}'s errors file`).toMatchObject({ messageId: message!.messageId, executionId: message!.executionId, status: message!.status });
  }
  return tally;
}

/** Every export of the activity is on disk once with its SHA-256 and acknowledged, no package was stored twice, and nothing else is in the folder. */
export async function assertExportsSettled(sim: Simulator, activityId: string, folder: string): Promise<number> {
  const messages = sim.exportMessages(activityId);
  expect(await packageDigests(folder)).toEqual(new Map(messages.map((m) => [`${m.correlationId}.zip`, m.sha256])));
  expect(messages.filter((m) => m.ackedAt === null).map((m) => m.correlationId), "unacknowledged").toEqual([]);
  const stored = readFileSync(path.join(folder, stateDirName, "journal.jsonl"), "utf8")
    .split("\n")
    .filter((line) => line.includes('"type":"stored"'))
    .map((line) => (JSON.parse(line) as { correlationId: string }).correlationId);
  expect(stored.length, "no package stored twice").toBe(new Set(stored).size);
  expect(namesIn(folder).filter((name) => !name.endsWith(".zip"))).toEqual([stateDirName]);
  return messages.length;
}

/**
 * Every export the package API ran is on disk once, as `<execution ID>.zip` with the SHA-256 of the package the
 * simulator produced, and nothing else is: no export was lost, none stored twice or under another name.
 */
export function assertPackageExportsSettled(sim: Simulator, folder: string): number {
  const exports = sim.packageExecutions().filter((e) => e.direction === "export");
  expect(exports.filter((e) => e.status !== "Succeeded").map((e) => `${e.executionId} ${e.status}`), "exports not finished").toEqual([]);
  const onDisk = new Map(namesIn(folder).map((name) => [name, sha256(readFileSync(path.join(folder, name)))]));
  expect(onDisk).toEqual(new Map(exports.map((e) => [`${e.executionId}.zip`, e.packageSha256])));
  return exports.length;
}

/**
 * Every dropped package is in success/ or error/ exactly once with its own bytes, nothing is left anywhere else,
 * and each was imported exactly once: one accepted ImportFromPackage call per package, under the execution its
 * status file names, which read those bytes and whose final status decided success or error.
 */
export function assertPackageImportsSettled(sim: Simulator, folder: string, dropped: ReadonlyMap<string, string>): { success: number; error: number } {
  expect(leftOver(folder), `${folder}: nothing left outside success/ and error/`).toEqual([]);
  const places = groupBy(landed(folder), (l) => l.record.file);
  expect([...places.keys()].sort()).toEqual([...dropped.keys()].sort());
  const accepted = sim.importCalls().filter((c) => c.executionId !== null);
  expect(accepted.length, "one ImportFromPackage call per package").toBe(dropped.size);
  const executions = new Map(sim.packageExecutions().map((e) => [e.executionId, e]));
  const tally = { success: 0, error: 0 };
  for (const [file, digest] of dropped) {
    const [place, ...again] = places.get(file)!;
    expect(again, `${file} is in success/ or error/ once`).toEqual([]);
    expect(place!.dataSha256, `${file}'s bytes`).toBe(digest);
    const executionId = place!.record.executionId!;
    expect(accepted.filter((c) => c.executionId === executionId), `${file} imported exactly once`).toHaveLength(1);
    const execution = executions.get(executionId)!;
    expect(execution.packageSha256, `${file}: the package F&O read`).toBe(digest);
    expect(place!.record.status).toBe(execution.status);
    expect(place!.where).toBe(execution.status === "Succeeded" ? "success" : "error");
    tally[place!.where]++;
  }
  return tally;
}

function groupBy<T>(items: readonly T[], key: (item: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const item of items) groups.set(key(item), [...(groups.get(key(item)) ?? []), item]);
  return groups;
}
