import { writeFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import type { BuildConfig } from "../compile/config.ts";
import { compileConnector } from "../compile/index.ts";
import { deployThroughWebApi } from "../dataverse/deploy.ts";
import { DataverseClient } from "../dataverse/web-api.ts";
import { startDataverseDouble } from "../simulator/dataverse.ts";
import { readSolutionSource, solutionParts, solutionZipName, writeSolution } from "../solution/index.ts";
import { readZip, writeZip } from "../zip/index.ts";
import { settingsTemplate, type DeploymentSettings } from "../solution/deployment-settings.ts";
import { sampleFlowConnectionReferences, sampleFlowEnvironmentVariables } from "../solution/sample-flow.ts";
import { afterImportChecklist } from "../solution/setup-guide.ts";
import { FnoClient, LoopbackClientSecretCredential, type DequeueMessage, type RetryOptions } from "../client/index.ts";
import { scopeFor } from "../client/auth.ts";
import { invoke, type ConnectorPackage } from "../gateway/index.ts";
import { defaultIds, startSimulator, type SimulatorConnection } from "../simulator/index.ts";
import { syncExports, type SyncSummary } from "../workflows/export-sync.ts";
import { importFile, type ImportResult } from "../workflows/import.ts";
import { exportPackage, type ExportPackageResult } from "../workflows/package-export.ts";
import { importPackage, type ImportPackageResult } from "../workflows/package-import.ts";
import type { ErrorFiles } from "../workflows/package-errors.ts";
import { fileMatches, packageDigests, packageFileName, storePackage } from "../workflows/package-store.ts";
import { downloadPathOf } from "../workflows/download-path.ts";

export interface SimulatedRunOptions {
  /** The compiled connector the gateway runs (dist/connector). */
  connector: ConnectorPackage;
  /** Where the run writes what it downloads and uploads. Replaced as a whole. */
  outDir: string;
  seed?: number;
  exportMessages?: number;
  /** Messages the compiled connector handles before the client drains the rest. */
  throughConnector?: number;
  /** Seconds the simulator takes to pick up each import and then to process it; default 1, so the run shows imports in progress. */
  importSeconds?: number;
  /** Seconds a package API execution stays NotRun, then Executing; default 0.3, so the run shows the polls and stays quick. */
  packageSeconds?: number;
  log?: (line: string) => void;
}

export interface SimulatedRunSummary {
  environmentUrl: string;
  gateway: { exported: string[]; imported: { messageId: string; status: string } };
  client: { sync: SyncSummary; imports: ImportResult[] };
  /** The data management package API through the client: one export, two imports (one with a template). */
  packageApi: { exported: ExportPackageResult; imports: ImportPackageResult[] };
  verified: { packages: number; mismatches: string[] };
}

/** A typed client for a simulator's environment, signed in through its token endpoint. */
export function simulatorClient(connection: SimulatorConnection, retry?: Partial<RetryOptions>): FnoClient {
  const credential = new LoopbackClientSecretCredential(connection.authorityHost, connection.tenantId, connection.clientId, connection.clientSecret);
  return new FnoClient({ environmentUrl: connection.environmentUrl, credential, ...(retry ? { retry } : {}) });
}

/**
 * The main job of `npm start`: an embedded F&O environment, seeded with export packages and two import
 * outcomes, worked through the compiled connector (as a flow would call it) and through the typed client
 * (sync and import). Every stored package is checked against the simulator's own SHA-256.
 */
export async function runAgainstSimulator(options: SimulatedRunOptions): Promise<SimulatedRunSummary> {
  const log = options.log ?? (() => undefined);
  const exportActivity = defaultIds.exportActivityId;
  const importActivity = defaultIds.importActivityId;
  const sim = await startSimulator({
    seed: options.seed ?? 42,
    activities: [
      { id: exportActivity, direction: "export", messages: [{ kind: "package", dataBytes: 64 * 1024, count: options.exportMessages ?? 24 }] },
      { id: importActivity, direction: "import" },
    ],
    import: {
      pickupAfterSeconds: options.importSeconds ?? 1,
      processingSeconds: options.importSeconds ?? 1,
      outcomes: [
        {
          entity: "Customer groups",
          status: "ProcessedWithErrors",
          errors: [{ RecordId: "2", Field: "CUSTGROUPID", ErrorMessage: "Customer group 30 already exists." }],
        },
      ],
    },
    packageApi: {
      notRunSeconds: options.packageSeconds ?? 0.3,
      executingSeconds: options.packageSeconds ?? 0.3,
      errorKeysFileSeconds: options.packageSeconds ?? 0.3,
      definitionGroups: [
        { id: defaultIds.exportDefinitionGroupId, direction: "export", entities: ["Customer groups", "Customers V3"], dataBytes: 256 * 1024 },
        { id: defaultIds.importDefinitionGroupId, direction: "import" },
      ],
      outcomes: [
        {
          direction: "import",
          entity: "Vendors V2",
          status: "PartiallySucceeded",
          errors: [{ RecordId: "5637144577", Field: "VENDORGROUPID", ErrorMessage: "Vendor group 90 does not exist." }],
          entityErrors: [{ entity: "Vendors V2", errorKeys: ["VENDORACCOUNTNUMBER", "V-0002"], stagingErrors: ["VENDORACCOUNTNUMBER,VENDORGROUPID,ERROR", "V-0002,90,Vendor group 90 does not exist."] }],
        },
      ],
    },
  });
  try {
    const c = sim.connection;
    log(`simulator: ${c.environmentUrl} (tenant ${c.tenantId}, export job ${exportActivity}, import job ${importActivity})`);
    rmSync(options.outDir, { recursive: true, force: true });
    const credential = new LoopbackClientSecretCredential(c.authorityHost, c.tenantId, c.clientId, c.clientSecret);

    // 1. The compiled connector, the way a flow calls its actions: Dequeue → Download → Acknowledge.
    const token = (await credential.getToken(scopeFor(c.environmentUrl))).token;
    const connection = { token, "token:resourceUri": c.environmentUrl };
    const gatewayDir = path.join(options.outDir, "through-connector");
    mkdirSync(gatewayDir, { recursive: true });
    const exported: string[] = [];
    for (let i = 0; i < (options.throughConnector ?? 4); i++) {
      const dequeued = await invoke(options.connector, "Dequeue", { parameters: { activityId: exportActivity }, connection });
      if (dequeued.status === 204) break;
      const message = dequeued.outputs as DequeueMessage;
      // As connector/README.md's guidance says: a message without a package is reported and acknowledged.
      if (message.IsDownLoadFileExist === false || !message.DownloadLocation) {
        await invoke(options.connector, "Acknowledge", { parameters: { activityId: exportActivity, message }, connection });
        log(`connector: Dequeue → no package (${message.FileDownLoadErrorMessage || "no Download location"}) → Acknowledge ${message.CorrelationId}`);
        continue;
      }
      const download = await invoke(
        options.connector,
        "Download",
        { parameters: { downloadPath: downloadPathOf(message.DownloadLocation) }, connection },
        { binary: "stream" },
      );
      const length = download.headers["content-length"];
      await storePackage(
        { body: download.outputs as ReadableStream<Uint8Array>, contentLength: length ? Number(length) : undefined },
        gatewayDir,
        packageFileName(message),
      );
      await invoke(options.connector, "Acknowledge", { parameters: { activityId: exportActivity, message }, connection });
      exported.push(message.CorrelationId);
      log(`connector: Dequeue → Download → Acknowledge ${message.CorrelationId}`);
    }
    const upload = path.join(options.outDir, "uploads");
    mkdirSync(upload, { recursive: true });
    const customers = path.join(upload, "customers.csv");
    writeFileSync(customers, "CUSTOMERACCOUNT,NAME\r\nUS-001,Contoso Retail\r\n");
    const groups = path.join(upload, "customer-groups.csv");
    writeFileSync(groups, "CUSTGROUPID,DESCRIPTION\r\n30,Intercompany\r\n");
    const enqueued = await invoke(options.connector, "Enqueue", {
      parameters: { activityId: importActivity, entity: "Customers V3", company: "USMF", package: new Uint8Array(Buffer.from("CUSTOMERACCOUNT,NAME\r\n")) },
      connection,
    });
    const messageId = String(enqueued.outputs);
    const status = await invoke(options.connector, "GetMessageStatus", { parameters: { request: { messageId } }, connection });
    const importedThroughConnector = { messageId, status: (status.outputs as { value: string }).value };
    log(`connector: Enqueue → ${messageId}, GetMessageStatus → ${importedThroughConnector.status}`);

    // 2. The typed client: drain the rest of the queue, then import two files and wait for the outcome.
    const client = simulatorClient(c);
    const sync = await syncExports({ client, activityId: exportActivity, outDir: path.join(options.outDir, "sync") });
    log(`client: sync stored ${sync.stored} package(s), acknowledged ${sync.acknowledged}, ${sync.problems.length} problem(s)`);
    const imports: ImportResult[] = [];
    for (const [file, entity] of [
      [customers, "Customers V3"],
      [groups, "Customer groups"],
    ] as const) {
      const result = await importFile({ client, activityId: importActivity, file, entity, company: "USMF", wait: true, firstPollMs: 250, maxPollMs: 1000 });
      imports.push(result);
      const why = result.errors?.errors?.map((e) => (e as { ErrorMessage?: string }).ErrorMessage).join("; ");
      log(`client: import ${path.basename(file)} → ${result.status}${why ? ` (${why})` : ""}`);
    }

    for (const result of imports) if (result.errorFiles) logErrorFiles(log, result.errorFiles);

    // 3. The data management package API: export a data project, then import a package and a plain file.
    const polls = { firstDelayMs: 200, maxDelayMs: 800 };
    const packageExport = await exportPackage({ client, definitionGroupId: defaultIds.exportDefinitionGroupId, legalEntityId: "USMF", outDir: path.join(options.outDir, "package-export"), policy: polls });
    const produced = sim.packageExecutions().find((e) => e.executionId === packageExport.executionId)?.packageSha256;
    log(`client: export-package ${packageExport.executionId} → ${packageExport.status}, ${path.relative(options.outDir, packageExport.file)} (SHA-256 ${packageExport.sha256}, ${produced === packageExport.sha256 ? "as the simulator produced it" : "NOT what the simulator produced"})`);
    const customersPackage = await writeDemoPackage(path.join(upload, "customers-package.zip"), "Customers V3", "customers.csv", "CUSTOMERACCOUNT,NAME\r\nUS-002,Fabrikam\r\n");
    const vendorsTemplate = await writeDemoPackage(path.join(upload, "vendors-template.zip"), "Vendors V2", "Vendors V2.csv", "VENDORACCOUNTNUMBER,VENDORGROUPID\r\n");
    const vendors = path.join(upload, "vendors.csv");
    writeFileSync(vendors, "VENDORACCOUNTNUMBER,VENDORGROUPID\r\nV-0001,10\r\nV-0002,90\r\n");
    const packageImports: ImportPackageResult[] = [];
    for (const [file, template] of [[customersPackage, undefined], [vendors, vendorsTemplate]] as const) {
      const result = await importPackage({ client, file, template, definitionGroupId: defaultIds.importDefinitionGroupId, legalEntityId: "USMF", wait: true, policy: polls });
      packageImports.push(result);
      log(`client: import-package ${path.basename(file)}${template ? ` (wrapped into ${path.basename(template)})` : ""} → ${result.status}`);
      if (result.errorFiles) logErrorFiles(log, result.errorFiles);
    }

    // 4. What landed on disk must be exactly what the environment served, each package once.
    const expected = new Map(sim.exportMessages(exportActivity).map((m) => [packageFileName({ CorrelationId: m.correlationId }), m.sha256]));
    const onDisk = [...(await packageDigests(gatewayDir)), ...(await packageDigests(path.join(options.outDir, "sync")))];
    const mismatches = onDisk.filter(([name, sha]) => expected.get(name) !== sha).map(([name]) => `${name} (wrong bytes or unexpected)`);
    const seen = new Set(onDisk.map(([name]) => name));
    mismatches.push(...[...expected.keys()].filter((name) => !seen.has(name)).map((name) => `${name} (missing)`));
    if (produced !== packageExport.sha256) mismatches.push(`${path.basename(packageExport.file)} (export-package: not what the simulator produced)`);
    // The package import-package uploaded must be what F&O read, byte for byte (the wrapped one has no file to compare).
    const read = sim.packageExecutions().find((e) => e.executionId === packageImports[0]!.executionId);
    const readSame = typeof read?.packageSize === "number" && typeof read.packageSha256 === "string" && (await fileMatches(customersPackage, { bytes: read.packageSize, sha256: read.packageSha256 }));
    if (!readSame) mismatches.push(`${path.basename(customersPackage)} (import-package: not what the simulator read)`);
    return {
      environmentUrl: c.environmentUrl,
      gateway: { exported, imported: importedThroughConnector },
      client: { sync, imports },
      packageApi: { exported: packageExport, imports: packageImports },
      verified: { packages: onDisk.length + 2, mismatches },
    };
  } finally {
    await sim.close();
  }
}

/** A one-entity data package as F&O exports them: Manifest.xml naming the entity and its file, the header, the file. */
async function writeDemoPackage(file: string, entity: string, dataName: string, data: string): Promise<string> {
  const manifest =
    `<?xml version="1.0" encoding="utf-8"?>\r\n<DataManagementPackageManifest xmlns="http://schemas.microsoft.com/dynamics/2015/01/DataManagement">\r\n` +
    `  <PackageEntityList>\r\n    <DataManagementPackageEntityData>\r\n      <EntityName>${entity}</EntityName>\r\n` +
    `      <InputFilePath>${dataName}</InputFilePath>\r\n    </DataManagementPackageEntityData>\r\n  </PackageEntityList>\r\n</DataManagementPackageManifest>\r\n`;
  const entries = new Map([
    ["Manifest.xml", Buffer.from(manifest)],
    ["PackageHeader.xml", Buffer.from(`<?xml version="1.0" encoding="utf-8"?>\r\n<DataManagementPackageHeader />\r\n`)],
    [dataName, Buffer.from(data)],
  ]);
  writeFileSync(file, await writeZip(entries));
  return file;
}

/** Where an import's error files landed, one line each. */
function logErrorFiles(log: (line: string) => void, files: ErrorFiles): void {
  const written = [files.executionErrors, ...files.errorKeys.map((f) => f.file), ...files.stagingErrors.map((f) => f.file), files.summaryPage];
  for (const file of written) if (file !== undefined) log(`  wrote ${path.relative(process.cwd(), file)}`);
  for (const problem of files.problems) log(`  not written: ${problem}`);
}

/**
 * Test sign-in values for the demo's own build. `npm start` builds dist/ with placeholders, which `deploy` refuses,
 * so the demo deploys a configured copy built in a temporary folder instead, and says so.
 */
export const demoSignIn: BuildConfig = {
  clientId: "de300000-0000-4000-8000-000000000001",
  resourceUri: "https://fno-demo.operations.dynamics.com",
  sources: { clientId: "environment", resourceUri: "environment" },
};

export interface DemoDeploySummary {
  environmentUrl: string;
  imported: string[];
  unconnected: string[];
  checklist: string;
}

/**
 * `deploy`'s Web API path against the Dataverse double: the connector solution, then the flows solution with a
 * settings file that connects our connection reference and sets both environment variables (the Outlook
 * reference is left for the checklist), from a build with `demoSignIn` in a temporary folder.
 */
export async function deployToDataverseDouble(options: { source: string; solution: string; log?: (line: string) => void }): Promise<DemoDeploySummary> {
  const log = options.log ?? (() => undefined);
  const { connector } = compileConnector(options.source, demoSignIn);
  const source = readSolutionSource(options.solution);
  const work = mkdtempSync(path.join(tmpdir(), "fno-demo-deploy-"));
  const dv = await startDataverseDouble();
  try {
    const zips = await writeSolution(connector, source, path.join(work, "solution"));
    const unmanaged = solutionParts.map((part) => zips.find((z) => path.basename(z) === solutionZipName(source.manifest, { part, packageType: "unmanaged" }))!);
    const flows = await readZip(readFileSync(unmanaged[1]!), unmanaged[1]!);
    const template = settingsTemplate(flows, unmanaged[1]!);
    const references = sampleFlowConnectionReferences(source.manifest);
    const variables = sampleFlowEnvironmentVariables(source.manifest);
    const settings: DeploymentSettings = {
      EnvironmentVariables: [
        { SchemaName: variables.activityId.schemaName, Value: defaultIds.exportActivityId },
        { SchemaName: variables.recipients.schemaName, Value: "fno-packages@contoso.example" },
      ],
      ConnectionReferences: template.ConnectionReferences.map((r) => ({ ...r, ConnectionId: r.LogicalName === references.connector ? "demo-connection-fno" : "" })),
    };
    log(`dataverse double: ${dv.url}; deploying a build with test sign-in values (client ID ${demoSignIn.clientId}, resource ${demoSignIn.resourceUri}) from a temporary folder, not dist/solution`);
    const c = dv.connection;
    const client = new DataverseClient({ environmentUrl: c.environmentUrl, credential: new LoopbackClientSecretCredential(c.authorityHost, c.tenantId, c.clientId, c.clientSecret) });
    const result = await deployThroughWebApi({
      client,
      packages: solutionParts.map((part, i) => ({ part, file: unmanaged[i]!, bytes: readFileSync(unmanaged[i]!), managed: false })),
      connectorSolution: source.manifest.uniqueName,
      connectorName: source.manifest.connector.schemaName,
      connectionReferences: template.ConnectionReferences.map((r) => r.LogicalName),
      settings,
      shareWith: ["F&O makers"],
      log: (line) => log(`deploy: ${line.replace(work + path.sep, "")}`),
    });
    const connectorTitle = String((connector.definition.info as { title?: unknown } | undefined)?.title ?? source.manifest.connector.schemaName);
    return {
      environmentUrl: dv.url,
      imported: result.imported.map((file) => path.basename(file)),
      unconnected: result.unconnected,
      checklist: afterImportChecklist({ manifest: source.manifest, connectorTitle }, result.unconnected, result.shared.length > 0),
    };
  } finally {
    await dv.close();
    rmSync(work, { recursive: true, force: true });
  }
}
