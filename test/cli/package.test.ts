/**
 * export-package and import-package through the CLI, in-process, against the simulator: exit codes, what is
 * printed, what lands. The simulator's executions end at once (no NotRun or Executing time), so the CLI never
 * waits and the file needs no clock mock (and can share its worker's modules); the polls' backoff is tested on a
 * virtual clock in test/workflows/package-export.test.ts.
 */
import { createHash } from "node:crypto";
import { readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { defaultIds, startSimulator, type Simulator } from "../../src/simulator/index.ts";
import { writeZip } from "../../src/zip/index.ts";
import { namesIn, writeDataPackage } from "../workflows/package-support.ts";
import { runCaptured, tempDir, type CliRun } from "./support.ts";

let sim: Simulator;
beforeAll(async () => {
  sim = await startSimulator({
    seed: 21,
    packageApi: {
      notRunSeconds: 0,
      executingSeconds: 0,
      errorKeysFileSeconds: 0,
      outcomes: [
        {
          direction: "import",
          entity: "Vendors V2",
          status: "PartiallySucceeded",
          errors: [{ RecordId: "1", Field: "VENDORACCOUNTNUMBER", ErrorMessage: "Vendor V-9 does not exist." }],
          entityErrors: [{ entity: "Vendors V2", errorKeys: ["VENDORACCOUNTNUMBER", "V-9"] }],
        },
      ],
    },
  });
});
afterAll(() => sim?.close());

async function cli(args: string[]): Promise<CliRun> {
  const c = sim.connection;
  return runCaptured([...args, "--url", c.environmentUrl, "--tenant", c.tenantId, "--client-id", c.clientId, "--client-secret", c.clientSecret, "--authority-host", c.authorityHost]);
}

describe("export-package", () => {
  it("exports, prints the SHA-256 of what it stored and exits 0", async () => {
    const out = tempDir("fno-cli-export-");
    const run = await cli(["export-package", "--definition-group", defaultIds.exportDefinitionGroupId, "--out", out, "--package-name", "weekly", "--extract"]);
    expect(run.code, run.stderr).toBe(0);
    const result = JSON.parse(run.stdout) as { executionId: string; sha256: string; file: string };
    const execution = sim.packageExecutions().find((e) => e.executionId === result.executionId)!;
    expect(result.sha256).toBe(execution.packageSha256);
    expect(createHash("sha256").update(readFileSync(path.join(out, "weekly.zip"))).digest("hex")).toBe(execution.packageSha256);
    expect(run.stderr).toContain(`SHA-256 ${execution.packageSha256}`);
    expect(namesIn(out)).toEqual(["weekly", "weekly.zip"]);
    expect(sim.counters().blobAuthorizationAttempts).toBe(0);
  });
});

describe("import-package", () => {
  it("with --wait, a PartiallySucceeded import exits 1 and names each error file it wrote beside the input", async () => {
    const dir = tempDir("fno-cli-import-");
    const file = await writeDataPackage(path.join(dir, "vendors.zip"), ["Vendors V2"]);
    const run = await cli(["import-package", file, "--definition-group", defaultIds.importDefinitionGroupId, "--legal-entity", "USMF", "--wait"]);
    expect(run.code).toBe(1);
    const result = JSON.parse(run.stdout) as { executionId: string; status: string };
    expect(result.status).toBe("PartiallySucceeded");
    const prefix = path.join(dir, `vendors.zip.${result.executionId}`);
    for (const written of [`${prefix}.execution-errors.json`, `${prefix}.Vendors V2.error-keys.csv`, `${prefix}.summary.url`]) {
      expect(run.stderr).toContain(`wrote ${written}\n`);
    }
    expect(readFileSync(`${prefix}.Vendors V2.error-keys.csv`, "utf8")).toBe("VENDORACCOUNTNUMBER\r\nV-9\r\n");
    expect(run.stderr).toMatch(new RegExp(`fno-connector: import ${result.executionId} ended as PartiallySucceeded; its error files are beside .*vendors\\.zip\\n$`));
  });

  it("a succeeding import exits 0 and writes nothing beside the input", async () => {
    const dir = tempDir("fno-cli-import-");
    const file = await writeDataPackage(path.join(dir, "customers.zip"), ["Customers V3"]);
    const run = await cli(["import-package", file, "--definition-group", defaultIds.importDefinitionGroupId, "--wait"]);
    expect(run.code, run.stderr).toBe(0);
    expect(JSON.parse(run.stdout)).toMatchObject({ status: "Succeeded", outcome: "succeeded" });
    expect(namesIn(dir)).toEqual(["customers.zip"]);
    expect(sim.counters().blobAuthorizationAttempts).toBe(0);
  });

  it("an unknown data project exits 1 with F&O's status and text", async () => {
    const file = await writeDataPackage(path.join(tempDir("fno-cli-import-"), "p.zip"), ["Customers V3"]);
    const run = await cli(["import-package", file, "--definition-group", "No such project"]);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/^fno-connector: ImportFromPackage failed: HTTP 400.*The data project 'No such project' does not exist\./m);
  });

  it("a template without Manifest.xml exits 1 naming it, and nothing is uploaded or written", async () => {
    const dir = tempDir("fno-cli-import-");
    const csv = path.join(dir, "groups.csv");
    writeFileSync(csv, "CUSTGROUPID\r\n30\r\n");
    const template = path.join(tempDir("fno-cli-template-"), "template.zip");
    writeFileSync(template, await writeZip(new Map([["PackageHeader.xml", Buffer.from("<x/>")]])));
    const before = sim.counters().requests.getAzureWriteUrl;
    const run = await cli(["import-package", csv, "--template", template, "--definition-group", defaultIds.importDefinitionGroupId]);
    expect(run.code).toBe(1);
    expect(run.stderr).toBe(`fno-connector: ${template}: the template has no Manifest.xml; use a package exported from the data project in F&O\n`);
    expect(sim.counters().requests.getAzureWriteUrl).toBe(before);
    expect(namesIn(dir)).toEqual(["groups.csv"]);
    expect(namesIn(path.dirname(template))).toEqual(["template.zip"]);
  });

  it.each([
    ["a missing file", (dir: string) => path.join(dir, "missing.zip"), /missing\.zip does not exist: give the package or data file to import/],
    ["a folder", (dir: string) => dir, /is a folder: give the package or data file to import/],
    [
      "a plain file given without --template",
      (dir: string) => {
        writeFileSync(path.join(dir, "groups.csv"), "CUSTGROUPID\r\n30\r\n");
        return path.join(dir, "groups.csv");
      },
      /groups\.csv: not a readable zip file .*; to import a plain data file \(CSV, XML, Excel\), give --template PACKAGE\.zip/,
    ],
  ])("input that cannot be read (%s) exits 2", async (_what, input, message) => {
    const run = await cli(["import-package", input(tempDir("fno-cli-import-")), "--definition-group", defaultIds.importDefinitionGroupId]);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(message);
  });
});
