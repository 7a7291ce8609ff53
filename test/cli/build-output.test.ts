import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { outputMarker } from "../../src/compile/write.ts";
import { runCaptured, tempDir } from "./support.ts";

const build = (...args: string[]) => runCaptured(["build", ...args]);

describe("build never deletes what it did not write (D1)", () => {
  it("refuses --out DIR when DIR holds other files, and leaves them", async () => {
    const dir = tempDir();
    writeFileSync(path.join(dir, "thesis.txt"), "years of work");
    const result = await build("--out", dir, "--no-solution");
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(dir);
    expect(result.stderr).toContain("thesis.txt");
    expect(readdirSync(dir)).toEqual(["thesis.txt"]);
  });

  it("refuses --out FILE, and leaves the file", async () => {
    const file = path.join(tempDir(), "notes.txt");
    writeFileSync(file, "keep me");
    const result = await build("--out", file, "--no-solution");
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/notes\.txt is a file/);
    expect(readFileSync(file, "utf8")).toBe("keep me");
  });

  it("replaces its own earlier output, marked as such, and an unmarked one holding only its files", async () => {
    const dir = path.join(tempDir(), "connector");
    expect((await build("--out", dir, "--no-solution")).code).toBe(0);
    expect(readdirSync(dir)).toContain(outputMarker);
    writeFileSync(path.join(dir, "stale.json"), "{}");
    expect((await build("--out", dir, "--no-solution")).code).toBe(0);
    expect(existsSync(path.join(dir, "stale.json"))).toBe(false);
    // As a build before the marker existed left it.
    rmSync(path.join(dir, outputMarker));
    expect((await build("--out", dir, "--no-solution")).code).toBe(0);
  });

  it("says so in --help", async () => {
    const help = await runCaptured(["build", "--help"]);
    expect(help.stdout.replace(/\s+/g, " ")).toMatch(/--out <dir> .*replaced as a whole.*refused/);
  });
});

describe("build writes all its outputs or none (R3)", () => {
  it("--solution-out under a file: refused before dist/connector is written", async () => {
    const work = tempDir();
    writeFileSync(path.join(work, "afile"), "");
    const out = path.join(work, "dist", "connector");
    const result = await build("--out", out, "--solution-out", path.join(work, "afile", "solution"));
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(`${path.join(work, "afile")} is a file`);
    expect(readdirSync(work)).toEqual(["afile"]);
  });

  it("a refused --solution-out leaves the previous dist/connector as it was", async () => {
    const work = tempDir();
    const out = path.join(work, "connector");
    expect((await build("--out", out, "--no-solution")).code).toBe(0);
    writeFileSync(path.join(out, "apiProperties.json"), "previous");
    const foreign = path.join(work, "solution");
    mkdirSync(foreign);
    writeFileSync(path.join(foreign, "mine.txt"), "");
    expect((await build("--out", out, "--solution-out", foreign)).code).toBe(2);
    expect(readFileSync(path.join(out, "apiProperties.json"), "utf8")).toBe("previous");
    expect(readdirSync(work).sort()).toEqual(["connector", "solution"]);
  });
});

describe("demo --out never deletes what it did not write (D1)", () => {
  it("refuses a folder holding other files, and leaves them", async () => {
    const dir = tempDir();
    writeFileSync(path.join(dir, "thesis.txt"), "years of work");
    const result = await runCaptured(["demo", "--out", dir, "--messages", "1"]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("thesis.txt");
    expect(readdirSync(dir)).toEqual(["thesis.txt"]);
  });
});
