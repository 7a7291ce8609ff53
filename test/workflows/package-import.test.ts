/**
 * import-package's workflow against the simulator, on a virtual clock: write URL, upload without the token,
 * ImportFromPackage with our execution ID, the error files on failure, an expired write URL, a lost answer.
 */
import { createHash } from "node:crypto";
import { readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { defaultIds, type PackageOutcomeRule } from "../../src/simulator/index.ts";
import { exitCodeOf } from "../../src/errors/index.ts";
import { importFile } from "../../src/workflows/import.ts";
import { importPackage, type ImportStep } from "../../src/workflows/package-import.ts";
import { failure, namesIn, packageRig, writeDataPackage } from "./package-support.ts";
import { tempDir } from "./support.ts";

const group = defaultIds.importDefinitionGroupId;
const sha256 = (file: string) => createHash("sha256").update(readFileSync(file)).digest("hex");

/** Imports with a "Vendors V2" entity end PartiallySucceeded with an error key and a staging error; "Broken" ones Failed. */
const outcomes: PackageOutcomeRule[] = [
  {
    direction: "import",
    entity: "Vendors V2",
    status: "PartiallySucceeded",
    errors: [{ RecordId: "5637144577", Field: "VENDORACCOUNTNUMBER", ErrorMessage: "Vendor V-9 does not exist." }],
    entityErrors: [{ entity: "Vendors V2", errorKeys: ["VENDORACCOUNTNUMBER", "V-9"], stagingErrors: ["VENDORACCOUNTNUMBER,ERROR", "V-9,Vendor group missing"] }],
  },
  { direction: "import", entity: "Broken", status: "Failed", errors: [{ RecordId: "", Field: "", ErrorMessage: "The import failed." }] },
];

describe("importPackage", () => {
  it("uploads through a write URL without the token and imports with the execution ID it chose, writing no error file on success", async () => {
    const { sim, client } = await packageRig({ packageApi: { outcomes } });
    const dir = tempDir("fno-import-");
    const file = await writeDataPackage(path.join(dir, "customers.zip"), ["Customers V3"]);
    const steps: ImportStep[] = [];
    const result = await importPackage({ client, file, definitionGroupId: group, legalEntityId: "USMF", wait: true, onStep: (s) => steps.push(s) });

    expect(result).toMatchObject({ status: "Succeeded", outcome: "succeeded", entities: ["Customers V3"], errorFiles: undefined });
    const [call] = sim.importCalls();
    expect(call).toMatchObject({ definitionGroupId: group, legalEntityId: "USMF", execute: true, overwrite: false, executionId: result.executionId, overlapped: false, refusal: null });
    expect(result.executionId).toMatch(new RegExp(`^${group}-\\d{4}-\\d\\d-\\d\\d_\\d\\d-\\d\\d-\\d\\d-[0-9a-f-]{36}$`));
    // What F&O read is the file, byte for byte.
    expect(sim.packageExecutions()[0]!.packageSha256).toBe(sha256(file));
    expect(steps.map((s) => s.type)).toEqual(["uploaded", "started", "status", "status", "status"]);
    expect(namesIn(dir)).toEqual(["customers.zip"]);
    expect(sim.counters().blobAuthorizationAttempts).toBe(0);
    expect(sim.counters().requests.blobPut).toBe(1);
  });

  it("on PartiallySucceeded writes the execution errors, the error keys, the staging errors and the summary link beside the input", async () => {
    const { sim, client } = await packageRig({ packageApi: { outcomes } });
    const dir = tempDir("fno-import-");
    const file = await writeDataPackage(path.join(dir, "vendors.zip"), ["Customers V3", "Vendors V2"]);
    const result = await importPackage({ client, file, definitionGroupId: group, legalEntityId: "USMF", wait: true });

    expect(result).toMatchObject({ status: "PartiallySucceeded", outcome: "partial", entities: ["Customers V3", "Vendors V2"] });
    const prefix = path.join(dir, `vendors.zip.${result.executionId}`);
    const files = result.errorFiles!;
    expect(files.problems).toEqual([]);
    expect(files.executionErrors).toBe(`${prefix}.execution-errors.json`);
    expect(JSON.parse(readFileSync(files.executionErrors!, "utf8"))).toEqual([{ RecordId: "5637144577", Field: "VENDORACCOUNTNUMBER", ErrorMessage: "Vendor V-9 does not exist." }]);
    // Only the entity with errors has files: GenerateImportTargetErrorKeysFile said false for the other.
    expect(files.errorKeys).toEqual([{ entity: "Vendors V2", file: `${prefix}.Vendors V2.error-keys.csv` }]);
    expect(readFileSync(files.errorKeys[0]!.file, "utf8")).toBe("VENDORACCOUNTNUMBER\r\nV-9\r\n");
    expect(files.stagingErrors).toEqual([{ entity: "Vendors V2", file: `${prefix}.Vendors V2.staging-errors.csv` }]);
    expect(readFileSync(files.stagingErrors[0]!.file, "utf8")).toBe("VENDORACCOUNTNUMBER,ERROR\r\nV-9,Vendor group missing\r\n");
    expect(files.summaryPage).toBe(`${prefix}.summary.url`);
    expect(readFileSync(files.summaryPage!, "utf8")).toBe(`[InternetShortcut]\r\nURL=${sim.url}/?${new URLSearchParams({ cmp: "USMF", mi: "DMFExecutionSummary", executionId: result.executionId })}\r\n`);
    expect(namesIn(dir)).toEqual(
      ["vendors.zip", ...[".execution-errors.json", ".Vendors V2.error-keys.csv", ".Vendors V2.staging-errors.csv", ".summary.url"].map((s) => `vendors.zip.${result.executionId}${s}`)].sort(),
    );
    expect(sim.counters().blobAuthorizationAttempts).toBe(0);
  });

  it("on Failed writes the execution errors and the link, and lists them", async () => {
    const { client } = await packageRig({ packageApi: { outcomes } });
    const dir = tempDir("fno-import-");
    const file = await writeDataPackage(path.join(dir, "broken.zip"), ["Broken"]);
    const result = await importPackage({ client, file, definitionGroupId: group, wait: true });
    expect(result).toMatchObject({ status: "Failed", outcome: "failed" });
    expect(JSON.parse(readFileSync(result.errorFiles!.executionErrors!, "utf8"))).toEqual([{ RecordId: "", Field: "", ErrorMessage: "The import failed." }]);
    expect(result.errorFiles!.errorKeys).toEqual([]);
    expect(namesIn(dir)).toEqual(["broken.zip", `broken.zip.${result.executionId}.execution-errors.json`, `broken.zip.${result.executionId}.summary.url`]);
  });

  it("wraps a plain data file into a template, so the package F&O reads holds the file under its own name", async () => {
    const { sim, client } = await packageRig({ packageApi: { outcomes } });
    const dir = tempDir("fno-import-");
    const template = await writeDataPackage(path.join(tempDir("fno-template-"), "vendors-template.zip"), ["Vendors V2"]);
    const csv = path.join(dir, "vendors-2026-11.csv");
    writeFileSync(csv, "VENDORACCOUNTNUMBER,NAME\r\nV-9,Fabrikam\r\n");
    const steps: ImportStep[] = [];
    const result = await importPackage({ client, file: csv, template, definitionGroupId: group, wait: true, execute: false, overwrite: true, onStep: (s) => steps.push(s) });

    expect(steps[0]).toEqual({ type: "wrapped", entity: "Vendors V2", dropped: ["Vendors V2.csv"] });
    expect(sim.importCalls()[0]).toMatchObject({ execute: false, overwrite: true });
    expect(sim.packageExecutions()[0]!.entities).toEqual(["Vendors V2"]);
    expect(result.outcome).toBe("partial");
    // The error files land beside the data file, named after it; the template's folder is untouched.
    expect(result.errorFiles!.errorKeys[0]!.file).toBe(path.join(dir, `vendors-2026-11.csv.${result.executionId}.Vendors V2.error-keys.csv`));
    expect(namesIn(path.dirname(template))).toEqual(["vendors-template.zip"]);
  });

  it("without wait, returns once the import started", async () => {
    const { sim, client } = await packageRig();
    const file = await writeDataPackage(path.join(tempDir("fno-import-"), "p.zip"), ["Customers V3"]);
    const result = await importPackage({ client, file, definitionGroupId: group });
    expect(result).toMatchObject({ status: undefined, outcome: "started", errorFiles: undefined });
    expect(sim.packageExecutions()[0]!.status).toBe("NotRun");
  });

  it("asks for a fresh write URL once when the first expired during the upload (403), and imports", async () => {
    // The upload's request waits 20 s before the storage checks its SAS, which lives 10 s.
    const { sim, client } = await packageRig({ packageApi: { writeUrlLifetimeSeconds: 10 }, faults: { rules: [{ endpoint: "blobPut", kind: "latency", ms: 20_000, times: 1 }] } });
    const file = await writeDataPackage(path.join(tempDir("fno-import-"), "p.zip"), ["Customers V3"]);
    const steps: ImportStep[] = [];
    const result = await importPackage({ client, file, definitionGroupId: group, wait: true, onStep: (s) => steps.push(s) });
    expect(result.outcome).toBe("succeeded");
    expect(steps[0]).toEqual({ type: "uploaded", freshUrl: true });
    expect(sim.counters().responses.blobPut).toEqual({ "403": 1, "201": 1 });
    expect(sim.counters().requests.getAzureWriteUrl).toBe(2);
  });

  it("reports a write URL refused twice clearly, without importing", async () => {
    const { sim, client } = await packageRig({ packageApi: { writeUrlLifetimeSeconds: 10 }, faults: { rules: [{ endpoint: "blobPut", kind: "latency", ms: 20_000 }] } });
    const file = await writeDataPackage(path.join(tempDir("fno-import-"), "p.zip"), ["Customers V3"]);
    const error = await failure<Error>(importPackage({ client, file, definitionGroupId: group }));
    expect(error.message).toMatch(/^BlobUpload failed: HTTP 403 twice: the storage refused a fresh write URL from GetAzureWriteUrl as well as the first/);
    expect(error.message).not.toMatch(/sig=/);
    expect(exitCodeOf(error)).toBe(1);
    expect(sim.importCalls()).toEqual([]);
  });

  it("names an unknown data project with F&O's status and text", async () => {
    const { sim, client } = await packageRig();
    const file = await writeDataPackage(path.join(tempDir("fno-import-"), "p.zip"), ["Customers V3"]);
    const error = await failure<Error>(importPackage({ client, file, definitionGroupId: "No such project" }));
    expect(error.message).toMatch(/^ImportFromPackage failed: HTTP 400.*: The data project 'No such project' does not exist\./);
    expect(exitCodeOf(error)).toBe(1);
    expect(sim.packageExecutions()).toEqual([]);
  });

  it("after a lost answer finds the import by its execution ID and follows it, instead of importing twice", async () => {
    // The import starts, then the connection is reset before the answer arrives.
    const { sim, client } = await packageRig({ faults: { rules: [{ endpoint: "importFromPackage", kind: "reset", afterBytes: 0, times: 1 }] } });
    const file = await writeDataPackage(path.join(tempDir("fno-import-"), "p.zip"), ["Customers V3"]);
    const steps: ImportStep[] = [];
    const result = await importPackage({ client, file, definitionGroupId: group, wait: true, onStep: (s) => steps.push(s) });
    expect(result.outcome).toBe("succeeded");
    expect(steps).toContainEqual({ type: "started", executionId: result.executionId, lookedUp: true });
    expect(sim.importCalls()).toHaveLength(1);
  });

  it("after a lost answer of an import that never started (502) says that running it again is safe", async () => {
    const { sim, client } = await packageRig({ faults: { rules: [{ endpoint: "importFromPackage", kind: "status", status: 502, times: 1 }] } });
    const file = await writeDataPackage(path.join(tempDir("fno-import-"), "p.zip"), ["Customers V3"]);
    const error = await failure<Error>(importPackage({ client, file, definitionGroupId: group, executionId: "chosen-id-1" }));
    expect(error.message).toMatch(/^ImportFromPackage failed: HTTP 502.*; the environment has no execution chosen-id-1, so the import did not start: running the command again is safe$/);
    expect(sim.importCalls()).toEqual([]);
  });

  it("refuses a package without Manifest.xml before asking for a write URL", async () => {
    const { sim, client } = await packageRig();
    const dir = tempDir("fno-import-");
    const file = path.join(dir, "data.zip");
    writeFileSync(file, await (await import("../../src/zip/index.ts")).writeZip(new Map([["data.csv", Buffer.from("a")]])));
    await expect(importPackage({ client, file, definitionGroupId: group })).rejects.toThrow(`${file}: not a data package: it has no Manifest.xml`);
    expect(sim.counters().requests.getAzureWriteUrl).toBe(0);
  });
});

describe("the token and the blob store", () => {
  it("the store counts a request that carries a bearer token, so a zero count means none did", async () => {
    const { sim, client } = await packageRig();
    const { blobUrl } = await client.getAzureWriteUrl("probe.zip");
    const response = await fetch(blobUrl, { method: "PUT", headers: { authorization: "Bearer leaked", "x-ms-blob-type": "BlockBlob" }, body: "x" });
    expect(response.status).toBe(403);
    expect(sim.counters().blobAuthorizationAttempts).toBe(1);
  });
});

describe("enqueue --wait's error files (importFile)", () => {
  it("writes the execution errors, the entity's error keys and staging errors and the summary link beside the input when the message fails", async () => {
    const { sim, client, clock } = await packageRig({
      import: { pickupAfterSeconds: 1, processingSeconds: 1, outcomes: [{ entity: "Customer groups", status: "ProcessedWithErrors", errors: [{ RecordId: "2", Field: "CUSTGROUPID", ErrorMessage: "Customer group 30 already exists." }] }] },
    });
    const dir = tempDir("fno-enqueue-");
    const file = path.join(dir, "groups.csv");
    writeFileSync(file, "CUSTGROUPID,DESCRIPTION\r\n30,Intercompany\r\n");
    const result = await importFile({ client, activityId: defaultIds.importActivityId, file, entity: "Customer groups", wait: true, firstPollMs: 500, sleep: (ms, signal) => clock.sleep(ms, signal) });
    expect(result.phase).toBe("failed");
    const files = result.errorFiles!;
    expect(files.executionErrors).toBe(path.join(dir, `groups.csv.${result.executionId}.execution-errors.json`));
    expect(JSON.parse(readFileSync(files.executionErrors!, "utf8"))).toEqual([{ RecordId: "2", Field: "CUSTGROUPID", ErrorMessage: "Customer group 30 already exists." }]);
    expect(result.errors?.errors).toEqual([{ RecordId: "2", Field: "CUSTGROUPID", ErrorMessage: "Customer group 30 already exists." }]);
    // The message's execution is an ordinary DMF execution: the enqueue's entity has its error keys and staging
    // errors (the simulator's defaults for a failing outcome), and the summary page has a link.
    const prefix = path.join(dir, `groups.csv.${result.executionId}`);
    expect(files.problems).toEqual([]);
    expect(files.errorKeys).toEqual([{ entity: "Customer groups", file: `${prefix}.Customer groups.error-keys.csv` }]);
    expect(readFileSync(files.errorKeys[0]!.file, "utf8")).toBe("KEY\r\nSIM-0001\r\n");
    expect(files.stagingErrors).toEqual([{ entity: "Customer groups", file: `${prefix}.Customer groups.staging-errors.csv` }]);
    expect(readFileSync(files.stagingErrors[0]!.file, "utf8")).toBe("KEY,ERROR\r\nSIM-0001,Simulated staging error.\r\n");
    expect(files.summaryPage).toBe(`${prefix}.summary.url`);
    expect(readFileSync(files.summaryPage!, "utf8")).toBe(`[InternetShortcut]\r\nURL=${files.summaryPageUrl}\r\n`);
    expect(files.summaryPageUrl).toContain(encodeURIComponent(result.executionId!).replace(/%20/g, "+"));
    expect(namesIn(dir)).toEqual(
      ["groups.csv", ...[".execution-errors.json", ".Customer groups.error-keys.csv", ".Customer groups.staging-errors.csv", ".summary.url"].map((s) => `groups.csv.${result.executionId}${s}`)].sort(),
    );
    expect(sim.counters().blobAuthorizationAttempts).toBe(0);
  });
});
