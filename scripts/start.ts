// npm start: build everything from connector/ and exercise it against the embedded simulator.
import { runCli } from "../src/cli/program.ts";

for (const step of [["build"], ["demo"]]) {
  process.stdout.write(`\n> fno-connector ${step.join(" ")}\n`);
  const code = await runCli(step);
  if (code !== 0) process.exit(code);
}
