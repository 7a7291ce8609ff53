#!/usr/bin/env node
// Runs the CLI compiled to JavaScript (dist/js, written by `npm ci` through the prepare script and by
// `npm run build`): half the start-up time and a third less memory than compiling on the fly. When the
// sources are newer than that output, or it is missing, tsx compiles them on the fly instead.
import { readdirSync, statSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const compiled = path.join(root, "dist", "js", "cli", "main.js");

function newestSource(dir) {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestSource(full) : statSync(full).mtimeMs);
  }
  return newest;
}

const built = statSync(compiled, { throwIfNoEntry: false });
if (built && built.mtimeMs >= newestSource(path.join(root, "src"))) {
  await import(compiled);
} else {
  const { register } = await import("tsx/esm/api");
  register();
  await import("../src/cli/main.ts");
}
