/** export-package's workflow against the simulator, on a virtual clock: poll, download without the token, verify, extract. */
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { defaultIds } from "../../src/simulator/index.ts";
import { FnoClient } from "../../src/client/index.ts";
import { writeZip } from "../../src/zip/index.ts";
import { exitCodeOf } from "../../src/errors/index.ts";
import { exportPackage, type ExportStep } from "../../src/workflows/package-export.ts";
import { ExecutionFailedError, PollGaveUpError } from "../../src/workflows/package-poll.ts";
import { failure, namesIn, packageRig } from "./package-support.ts";
import { tempDir } from "./support.ts";

const group = defaultIds.exportDefinitionGroupId;

describe("exportPackage", () => {
  it("exports, polls with backoff to Succeeded, downloads without the token and stores exactly what F&O produced", async () => {
    const { sim, clock, client } = await packageRig({ packageApi: { definitionGroups: [{ id: group, direction: "export", entities: ["Customer groups", "Customers V3"], dataBytes: 20_000 }] } });
    const out = tempDir("fno-export-");
    const steps: ExportStep[] = [];
    const result = await exportPackage({ client, definitionGroupId: group, legalEntityId: "USMF", outDir: out, onStep: (s) => steps.push(s) });

    const [execution] = sim.packageExecutions();
    expect(execution).toMatchObject({ executionId: result.executionId, definitionGroupId: group, legalEntityId: "USMF", status: "Succeeded" });
    expect(result.executionId).toMatch(new RegExp(`^${group}-\\d{4}-\\d\\d-\\d\\d_\\d\\d-\\d\\d-\\d\\d-[0-9a-f-]{36}$`));
    expect(result).toMatchObject({ status: "Succeeded", file: path.join(out, `${result.executionId}.zip`), entities: ["Customer groups", "Customers V3"] });
    expect(result.sha256).toBe(execution!.packageSha256);
    expect(createHash("sha256").update(readFileSync(result.file)).digest("hex")).toBe(execution!.packageSha256);
    expect(result.bytes).toBe(execution!.packageSize);
    expect(namesIn(out)).toEqual([`${result.executionId}.zip`]);
    // NotRun (2 s) and Executing (3 s) were seen and waited out with doubling waits, on the virtual clock.
    expect(steps.filter((s) => s.type === "status").map((s) => (s as { status: string }).status)).toEqual(["NotRun", "Executing", "Succeeded"]);
    expect(clock.slept).toEqual([2_000, 4_000]);
    expect(sim.counters().blobAuthorizationAttempts).toBe(0);
    expect(sim.counters().requests.blobGet).toBe(1);
  });

  it("takes the package name for the file, unwraps the docs' nested values and extracts on request", async () => {
    const { sim, client } = await packageRig({ packageApi: { nestedValues: true } });
    const out = tempDir("fno-export-");
    const result = await exportPackage({ client, definitionGroupId: group, packageName: "customers: weekly", outDir: out, extract: true });
    expect(result.file).toBe(path.join(out, "customers_ weekly.zip"));
    expect(result.extractedTo).toBe(path.join(out, "customers_ weekly"));
    expect(namesIn(result.extractedTo!)).toEqual(["Customers V3.csv", "Manifest.xml", "PackageHeader.xml"]);
    expect(result.sha256).toBe(sim.packageExecutions()[0]!.packageSha256);
  });

  it("reports a Failed export with F&O's errors and the summary page, writing nothing", async () => {
    const { client } = await packageRig({
      packageApi: { outcomes: [{ direction: "export", status: "Failed", errors: [{ RecordId: "", Field: "", ErrorMessage: "Entity Customers V3 is not enabled for export." }] }] },
    });
    const out = tempDir("fno-export-");
    const error = await failure<ExecutionFailedError>(exportPackage({ client, definitionGroupId: group, outDir: out }));
    expect(error).toBeInstanceOf(ExecutionFailedError);
    expect(error.status).toBe("Failed");
    expect(error.message).toMatch(/^export .* of data project Simulator export ended as Failed; errors: Entity Customers V3 is not enabled for export\.; summary: http:\/\/127\.0\.0\.1:\d+\/\?.*mi=DMFExecutionSummary/);
    expect(exitCodeOf(error)).toBe(1);
    expect(namesIn(out)).toEqual([]);
  });

  it("names the data project when F&O has no execution for the ID it handed out (an unknown project)", async () => {
    const { client } = await packageRig();
    const out = tempDir("fno-export-");
    const error = await failure<Error>(exportPackage({ client, definitionGroupId: "No such project", outDir: out }));
    expect(error.message).toMatch(/^GetExecutionSummaryStatus failed: HTTP 500.*: Execution details were not found for execution id: .*check that "No such project" is an export data project in F&O$/);
    expect(exitCodeOf(error)).toBe(1);
    expect(namesIn(out)).toEqual([]);
  });

  it("gives up polling after the attempts allowed, saying what it waited for and what was last seen", async () => {
    const { client } = await packageRig({ packageApi: { notRunSeconds: 3600 } });
    const out = tempDir("fno-export-");
    const error = await failure<PollGaveUpError>(exportPackage({ client, definitionGroupId: group, outDir: out, policy: { maxAttempts: 3 } }));
    expect(error).toBeInstanceOf(PollGaveUpError);
    expect(error.message).toMatch(/^gave up waiting for export .* to finish after 3 polls in 6 s \(last answer: NotRun\); it may still be running in F&O/);
    expect(exitCodeOf(error)).toBe(1);
    expect(namesIn(out)).toEqual([]);
  });

  it("resumes or restarts a download that breaks off, storing the right bytes and nothing under the name before", async () => {
    const { sim, client } = await packageRig({ faults: { rules: [{ endpoint: "blobGet", kind: "truncate", afterBytes: 100, times: 2 }] }, packageApi: { definitionGroups: [{ id: group, direction: "export", dataBytes: 50_000 }] } });
    const out = tempDir("fno-export-");
    const result = await exportPackage({ client, definitionGroupId: group, outDir: out });
    expect(result.sha256).toBe(sim.packageExecutions()[0]!.packageSha256);
    expect(sim.counters().requests.blobGet).toBe(3);
    expect(namesIn(out)).toEqual([path.basename(result.file)]);
  });

  it("after a lost answer finds the export by its execution ID and downloads it, instead of exporting twice", async () => {
    // The export starts, then the connection is reset before the answer arrives. A second export would run the
    // batch job again (and, with change tracking, consume the delta into a package nobody downloads).
    const { sim, client } = await packageRig({ faults: { rules: [{ endpoint: "exportToPackage", kind: "reset", afterBytes: 0, times: 1 }] } });
    const out = tempDir("fno-export-");
    const result = await exportPackage({ client, definitionGroupId: group, outDir: out, executionId: "chosen-export-1" });
    expect(result).toMatchObject({ executionId: "chosen-export-1", status: "Succeeded" });
    expect(sim.packageExecutions().map((e) => e.executionId)).toEqual(["chosen-export-1"]);
    expect(sim.counters().requests.exportToPackage).toBe(1);
    expect(result.sha256).toBe(sim.packageExecutions()[0]!.packageSha256);
  });

  it("after a lost answer of an export that never started (502) says that running it again is safe", async () => {
    const { sim, client } = await packageRig({ faults: { rules: [{ endpoint: "exportToPackage", kind: "status", status: 502, times: 1 }] } });
    const out = tempDir("fno-export-");
    const error = await failure<Error>(exportPackage({ client, definitionGroupId: group, outDir: out, executionId: "chosen-export-2" }));
    expect(error.message).toMatch(/^ExportToPackage failed: HTTP 502.*; the environment has no execution chosen-export-2, so the export did not start: running the command again is safe$/);
    expect(exitCodeOf(error)).toBe(1);
    expect(sim.packageExecutions()).toEqual([]);
    expect(namesIn(out)).toEqual([]);
  });

  it("refuses to start when a file already has the package's name, leaving it as it was", async () => {
    const { sim, client } = await packageRig();
    const out = tempDir("fno-export-");
    writeFileSync(path.join(out, "weekly.zip"), "someone's file");
    const error = await failure<Error>(exportPackage({ client, definitionGroupId: group, packageName: "weekly", outDir: out }));
    expect(error.message).toBe(`${path.join(out, "weekly.zip")} already exists; move it away or choose another --package-name`);
    expect(exitCodeOf(error)).toBe(2);
    expect(readFileSync(path.join(out, "weekly.zip"), "utf8")).toBe("someone's file");
    expect(sim.packageExecutions()).toEqual([]);
    expect(existsSync(path.join(out, "weekly.zip.partial"))).toBe(false);
  });
});

describe("exportPackage against a scripted environment", () => {
  const env = "https://contoso.operations.dynamics.com";
  const blob = "https://contosoblob.blob.core.windows.net/dmf/package.zip?sv=2020-04-08&sig=c2ln";

  /** A client whose environment answers each action from `answers` (by action name) and serves `packageBytes` at `blob`. */
  function scriptedClient(answers: Record<string, string>, packageBytes: Buffer): FnoClient {
    const fetch = async (request: Request): Promise<Response> => {
      if (request.url === blob) return new Response(new Uint8Array(packageBytes), { headers: { "content-length": String(packageBytes.length) } });
      const action = request.url.split("DataEntities.")[1]!;
      return Response.json({ value: answers[action] });
    };
    return new FnoClient({ environmentUrl: env, credential: { getToken: async () => ({ token: "t", expiresOnTimestamp: Date.now() + 3_600_000 }) }, fetch, sleep: async () => undefined });
  }

  it("treats the empty GUID from ExportToPackage as no export started", async () => {
    const client = scriptedClient({ ExportToPackage: "00000000-0000-0000-0000-000000000000" }, Buffer.alloc(0));
    const out = tempDir("fno-export-");
    const error = await failure<ExecutionFailedError>(exportPackage({ client, definitionGroupId: "G", outDir: out }));
    expect(error).toBeInstanceOf(ExecutionFailedError);
    expect(error.message).toBe('ExportToPackage started no export for data project G (it returned "00000000-0000-0000-0000-000000000000")');
    expect(namesIn(out)).toEqual([]);
  });

  it("refuses a download that is not a data package, leaving nothing under the name or beside it", async () => {
    const notAPackage = await writeZip(new Map([["data.csv", Buffer.from("a,b\r\n")]]));
    const client = scriptedClient({ ExportToPackage: "e1", GetExecutionSummaryStatus: "Succeeded", GetExportedPackageUrl: blob }, notAPackage);
    const out = tempDir("fno-export-");
    const error = await failure(exportPackage({ client, definitionGroupId: "G", packageName: "p", outDir: out }));
    expect(error.message).toBe("the package of export e1: not a data package: it has no Manifest.xml");
    expect(namesIn(out)).toEqual([]);
  });
});
