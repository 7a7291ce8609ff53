// npm run build: connector/ → dist/connector → dist/solution.
import { runCli } from "../src/cli/program.ts";

process.exitCode = await runCli(["build"]);
