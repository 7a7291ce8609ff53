// npm run build: everything the spec produces, in data-flow order (source → package → solution).
import { runCli } from "../src/cli/program.ts";

for (const step of [["build"]]) {
  const code = await runCli(step);
  if (code !== 0) process.exit(code);
}
