// npm run types [-- --check]: regenerate src/generated/ from the compiled definition, or check it is current.
import { runCli } from "../src/cli/program.ts";

process.exitCode = await runCli(["types", ...process.argv.slice(2)]);
