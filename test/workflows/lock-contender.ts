/**
 * One contender of the lock race test, run as its own process: for each line `<folder> <start time>` on stdin
 * it waits for the start time, tries to open the folder's sync journal and answers `won` or `lost`; on
 * `release` it closes what it won.
 */
import { createInterface } from "node:readline";
import { SyncJournal } from "../../src/workflows/journal.ts";

let held: SyncJournal | undefined;
// Loaded and listening: the test starts its trials once every contender has said so.
process.stdout.write("ready\n");
for await (const line of createInterface({ input: process.stdin })) {
  if (line === "release") {
    await held?.close();
    held = undefined;
    process.stdout.write("released\n");
    continue;
  }
  const [folder, startAt] = line.split(" ");
  // Spin rather than sleep: every contender leaves the line within the same millisecond.
  while (Date.now() < Number(startAt));
  try {
    held = await SyncJournal.open(folder!);
    process.stdout.write("won\n");
  } catch (err) {
    process.stdout.write(`lost ${(err as Error).message}\n`);
  }
}
