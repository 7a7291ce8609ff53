import { Command, type Option } from "commander";
import { describe, expect, it } from "vitest";
import { commandModules } from "../../src/cli/commands/index.ts";
import { runCaptured, tempDir, unreachable } from "./support.ts";

/** Every command's options, from the same registrations the CLI runs. */
async function allOptions(): Promise<{ command: string; option: Option }[]> {
  const program = new Command();
  for (const register of new Set(await Promise.all(Object.values(commandModules).map((load) => load())))) register(program);
  return program.commands.flatMap((command) => command.options.map((option) => ({ command: command.name(), option })));
}

/** An option takes a number when its default is one or its placeholder names one. */
const isNumeric = (option: Option) => typeof option.defaultValue === "number" || /<(n|port|seed|count|ms|seconds)>/.test(option.flags);

describe("numeric options", () => {
  it("sync --concurrency 1000000000 is refused before anything is sent, naming the option and its range", async () => {
    const result = await runCaptured(["sync", "--activity", "a", "--out", tempDir(), "--concurrency", "1000000000", ...unreachable]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("--concurrency");
    expect(result.stderr).toMatch(/from 1 to 64/);
  });

  it("every numeric option of every command states its range in --help and refuses values outside it with exit 2", async () => {
    const numeric = (await allOptions()).filter(({ option }) => isNumeric(option));
    expect(numeric.map(({ command, option }) => `${command} ${option.long}`).sort()).toEqual(
      ["demo --messages", "simulate --port", "simulate --seed", "sync --concurrency"].sort(),
    );
    for (const { command, option } of numeric) {
      const range = /from (\d+) to (\d+)/.exec(option.description);
      expect(range, `${command} ${option.long}: "${option.description}"`).not.toBeNull();
      const [min, max] = [Number(range![1]), Number(range![2])];
      // Number() alone would take "0x10", "1e1" and "" (as 0).
      for (const bad of [String(max + 1), String(min - 1), "1.5", "12abc", "", "0x10", "1e1"]) {
        const result = await runCaptured([command, option.long!, bad]);
        expect(result.code, `${command} ${option.long} ${bad}`).toBe(2);
        expect(result.stderr, `${command} ${option.long} ${bad}`).toContain(`${option.long}`);
        expect(result.stderr).toContain(`from ${min} to ${max}`);
      }
    }
  });
});
