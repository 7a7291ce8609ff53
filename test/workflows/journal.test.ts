import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import type { DequeueMessage } from "../../src/client/index.ts";
import { SyncJournal, type JournalEntry } from "../../src/workflows/journal.ts";
import { tempDir } from "./support.ts";

function message(i: number): DequeueMessage {
  const id = `00000000-0000-4000-8000-${String(i).padStart(12, "0")}`;
  return {
    CorrelationId: id,
    PopReceipt: "AgAAAAMAAAAAAAAA".repeat(4),
    DownloadLocation: `https://contoso.operations.dynamics.com/api/connector/download/${id}?blob=${"x".repeat(120)}`,
    IsDownLoadFileExist: true,
    FileDownLoadErrorMessage: null,
    LastDequeueDateTime: null,
  };
}

/** The journal a sync of `done` messages leaves (each dequeued, stored, acknowledged), plus `open` messages stored but not acknowledged. */
function writeJournal(outDir: string, done: number, open: number): string {
  const dir = path.join(outDir, ".fno-sync");
  mkdirSync(dir, { recursive: true });
  const entries: JournalEntry[] = [];
  for (let i = 0; i < done + open; i++) {
    const m = message(i);
    entries.push({ type: "dequeued", message: m });
    entries.push({ type: "stored", correlationId: m.CorrelationId, file: path.join(outDir, `${m.CorrelationId}.zip`), bytes: 2048 + i, sha256: "ab".repeat(32) });
    if (i < done) entries.push({ type: "acked", correlationId: m.CorrelationId });
  }
  const file = path.join(dir, "journal.jsonl");
  writeFileSync(file, entries.map((e) => JSON.stringify(e) + "\n").join(""));
  return file;
}

describe("the sync journal", () => {
  it("is compacted when it has grown: 20,000 finished messages leave only what a rerun still needs", async () => {
    const out = tempDir("fno-journal-");
    const file = writeJournal(out, 20_000, 3);
    const before = statSync(file).size;
    expect(before).toBeGreaterThan(10 * 1024 * 1024);

    const journal = await SyncJournal.open(out);
    // Only the unfinished messages are held, and the file on disk already holds only them.
    expect([...journal.records.keys()]).toEqual([20_000, 20_001, 20_002].map((i) => message(i).CorrelationId));
    expect(statSync(file).size).toBeLessThan(4 * 1024);
    const record = journal.records.get(message(20_001).CorrelationId);
    expect(record).toMatchObject({ message: message(20_001), stored: { bytes: 2048 + 20_001 }, released: false });
    // Appending still works after the file was replaced.
    await journal.record({ type: "acked", correlationId: message(20_000).CorrelationId });
    await journal.close();

    const reopened = await SyncJournal.open(out);
    expect([...reopened.records.keys()]).toEqual([20_001, 20_002].map((i) => message(i).CorrelationId));
    await reopened.close();
    // No temporary file is left beside it.
    expect(readdirSync(path.dirname(file)).sort()).toEqual(["journal.jsonl"]);
  });

  it("a compaction cut short by a crash leaves the journal as it was", async () => {
    const out = tempDir("fno-journal-");
    const file = writeJournal(out, 5, 2);
    const original = readFileSync(file, "utf8");
    // A crash after writing the compacted copy and before renaming it over the journal.
    writeFileSync(`${file}.compacting`, '{"type":"dequeued","message":{"CorrelationId":"torn');
    const journal = await SyncJournal.open(out);
    expect(journal.records.size).toBe(2);
    await journal.close();
    expect(existsSync(`${file}.compacting`)).toBe(false);
    expect(readFileSync(file, "utf8")).toBe(original);
  });
});
