import type { SyncEvent } from "../workflows/export-sync.ts";

/**
 * Sync progress: one rewritten status line (counts, bytes, rate) on a terminal, one plain line per event
 * otherwise, nothing with --json (stdout then carries only the summary).
 */
export function syncProgress(stream: NodeJS.WriteStream, mode: "tty" | "lines" | "quiet"): { onEvent: (e: SyncEvent) => void; done: () => void } {
  const started = performance.now();
  let stored = 0;
  let duplicates = 0;
  let acked = 0;
  let problems = 0;
  let bytes = 0;
  let lastDraw = 0;

  const draw = (force = false) => {
    const now = performance.now();
    if (!force && now - lastDraw < 100) return;
    lastDraw = now;
    const seconds = (now - started) / 1000;
    const rate = seconds > 0 ? bytes / seconds : 0;
    stream.write(
      `\r\x1b[2Kstored ${stored}  duplicates ${duplicates}  acknowledged ${acked}  problems ${problems}  ${formatBytes(bytes)}  ${formatBytes(rate)}/s`,
    );
  };

  const onEvent = (event: SyncEvent) => {
    if (event.type === "stored") {
      stored++;
      bytes += event.bytes;
    } else if (event.type === "duplicate") duplicates++;
    else if (event.type === "acknowledged") acked++;
    else if (event.type === "problem") problems++;
    if (mode === "tty") {
      if (event.type === "problem") stream.write(`\r\x1b[2K${event.stage} failed for ${event.correlationId}: ${event.error}\n`);
      draw(event.type === "problem");
    } else if (mode === "lines") {
      stream.write(describe(event) + "\n");
    }
  };
  return {
    onEvent,
    done: () => {
      if (mode === "tty") {
        draw(true);
        stream.write("\n");
      }
    },
  };
}

function describe(event: SyncEvent): string {
  switch (event.type) {
    case "stored":
      return `stored ${event.correlationId} ${event.file} (${formatBytes(event.bytes)})`;
    case "duplicate":
      return `already stored ${event.correlationId} ${event.file}`;
    case "acknowledged":
      return `acknowledged ${event.correlationId}`;
    case "extracted":
      return `extracted ${event.correlationId} into ${event.folder}`;
    case "problem":
      return `${event.stage} failed for ${event.correlationId}: ${event.error}`;
  }
}

export function formatBytes(n: number): string {
  const units = ["B", "KiB", "MiB", "GiB"];
  let value = n;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value.toFixed(unit === 0 ? 0 : 1)} ${units[unit]}`;
}
