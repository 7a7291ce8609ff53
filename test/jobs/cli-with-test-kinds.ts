/**
 * The real CLI in a child process, with two job kinds registered only here (the registry is the kinds'; a
 * test must not add to it in the test runner's own process): `step` finishes its step when its signal aborts,
 * `stubborn` ignores the signal. The signal tests send this process SIGTERM and SIGINT.
 */
import { setTimeout as sleep } from "node:timers/promises";
import { runCli } from "../../src/cli/program.ts";
import type { AnyJobKind } from "../../src/jobs/config.ts";
import { jobKinds } from "../../src/jobs/kinds/index.ts";
import { scriptedKind } from "./support.ts";

const step = scriptedKind("step", async (context) => {
  context.log({ level: "info", message: "step started" });
  // The step: until the runner asks to stop (or a minute), then recorded whole before returning.
  await sleep(60_000, undefined, { signal: context.signal }).catch(() => undefined);
  await context.state.update({ runs: context.state.get().runs + 1 });
  return { counts: { steps: 1 }, unfinished: context.signal.aborted ? 1 : 0 };
});

const stubborn = scriptedKind("stubborn", async (context) => {
  context.log({ level: "info", message: "stubborn started" });
  await sleep(60_000);
  return { counts: {} };
});

// Only in this process: the registry's array is read-only to the kinds' users, not to this test fixture.
(jobKinds as AnyJobKind[]).push(step, stubborn);
process.exitCode = await runCli(process.argv.slice(2));
