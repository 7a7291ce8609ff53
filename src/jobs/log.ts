import { logLevels, type LogFormat, type LogLevel } from "./config.ts";
import type { RunnerLogLine } from "./runner.ts";

/** A writer of the runner's log lines: `json` one object per line, `text` one readable line; below `level` nothing. */
export function logWriter(write: (text: string) => void, format: LogFormat, level: LogLevel): (line: RunnerLogLine) => void {
  const least = logLevels.indexOf(level);
  return (line) => {
    if (logLevels.indexOf(line.level) < least) return;
    write((format === "json" ? JSON.stringify(line) : textLine(line)) + "\n");
  };
}

/** `2026-05-01T02:00:00.000Z INFO  nightly@prod: run ended (stored=3 acknowledged=3)` */
function textLine(line: RunnerLogLine): string {
  const { time, level, message, job, environment, counts } = line;
  const who = job === undefined ? (environment ?? "runner") : environment === undefined ? job : `${job}@${environment}`;
  const tally = counts !== null && typeof counts === "object" && Object.keys(counts).length > 0
    ? ` (${Object.entries(counts).map(([k, v]) => `${k}=${String(v)}`).join(" ")})`
    : "";
  return `${time} ${level.toUpperCase().padEnd(5)} ${who}: ${message}${tally}`;
}
