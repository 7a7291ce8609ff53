import type { Command } from "commander";
import type { ErrorFiles } from "../../workflows/package-errors.ts";
import { exportPackage } from "../../workflows/package-export.ts";
import { importPackage } from "../../workflows/package-import.ts";
import { ZipReadError } from "../../zip/index.ts";
import { addConnectionOptions, createClient, resolveConnection, type ConnectionFlags } from "../connection.ts";
import { CliError, ExitCode } from "../errors.ts";
import { formatBytes } from "../progress.ts";
import { requireInputFile, requireOutputFolder } from "../paths.ts";

interface ExportFlags extends ConnectionFlags {
  definitionGroup: string;
  out: string;
  legalEntity?: string;
  packageName?: string;
  extract?: boolean;
}

interface ImportFlags extends ConnectionFlags {
  definitionGroup: string;
  legalEntity?: string;
  template?: string;
  wait?: boolean;
  execute: boolean;
  overwrite?: boolean;
}

/** The data management package API's export and import (src/workflows/package-*.ts). Progress on stderr, a JSON summary on stdout. */
export function registerPackage(program: Command): void {
  addConnectionOptions(
    program
      .command("export-package")
      .description("Export a data project to a package (ExportToPackage), wait for it, download it without the F&O token and verify it")
      .requiredOption("--definition-group <id>", "the export data project's name (definitionGroupId)")
      .requiredOption("--out <dir>", "folder for <package name>.zip (an existing file of that name is never replaced)")
      .option("--legal-entity <id>", "legal entity (DataAreaId) to export from")
      .option("--package-name <name>", "the package's name in F&O and of the file; default: the execution ID")
      .option("--extract", "also unzip the package into <dir>/<package name>/ (unsafe archives are refused)"),
  ).action(async (flags: ExportFlags) => {
    requireOutputFolder(flags.out, "--out");
    const client = await createClient(resolveConnection(flags));
    const result = await exportPackage({
      client,
      definitionGroupId: flags.definitionGroup,
      outDir: flags.out,
      legalEntityId: flags.legalEntity,
      packageName: flags.packageName,
      extract: flags.extract ?? false,
      onStep: (step) => {
        if (step.type === "started") progress(`export ${step.executionId} started`);
        else if (step.type === "status") progress(`status: ${step.status}`);
        else if (step.type === "stored") progress(`stored ${step.file} (${formatBytes(step.bytes)}, SHA-256 ${step.sha256})`);
      },
    });
    printJson(result);
  });

  addConnectionOptions(
    program
      .command("import-package")
      .description("Import a data package (or, with --template, a plain data file) through a blob write URL (ImportFromPackage); with --wait, follow it and write the error files beside FILE")
      .argument("<file>", "the data package (zip with Manifest.xml), or with --template a CSV, XML or Excel file")
      .requiredOption("--definition-group <id>", "the import data project's name (definitionGroupId)")
      .option("--legal-entity <id>", "legal entity (DataAreaId) to import into")
      .option("--template <package>", "a package of the data project with one entity, to wrap a plain data file into")
      .option("--wait", "poll the execution with backoff until it ends; on failure write its error files beside FILE")
      .option("--no-execute", "stop at staging (ImportFromPackage's execute=false)")
      .option("--overwrite", "ImportFromPackage's overwrite=true (not for composite entities)"),
  ).action(async (file: string, flags: ImportFlags) => {
    requireInputFile(file, "the package or data file to import");
    if (flags.template !== undefined) requireInputFile(flags.template, "a template package (--template)");
    const client = await createClient(resolveConnection(flags));
    const result = await importPackage({
      client,
      file,
      definitionGroupId: flags.definitionGroup,
      legalEntityId: flags.legalEntity,
      template: flags.template,
      wait: flags.wait ?? false,
      execute: flags.execute,
      overwrite: flags.overwrite ?? false,
      onStep: (step) => {
        if (step.type === "wrapped") progress(`wrapped into the template as entity "${step.entity}"${step.dropped.length > 0 ? ` (left out of the template: ${step.dropped.join(", ")})` : ""}`);
        else if (step.type === "uploaded") progress(step.freshUrl ? "uploaded, with a fresh write URL after the first was refused (403, expired)" : "uploaded");
        else if (step.type === "started") progress(`import ${step.executionId} started${step.lookedUp ? " (found by its execution ID after the answer was lost)" : ""}`);
        else progress(`status: ${step.status}`);
      },
    }).catch((err: unknown) => {
      if (err instanceof ZipReadError && flags.template === undefined) {
        throw new CliError(`${err.message}; to import a plain data file (CSV, XML, Excel), give --template PACKAGE.zip`, ExitCode.unreadable);
      }
      throw err;
    });
    printJson(result);
    if (result.errorFiles) reportErrorFiles(result.errorFiles);
    if (result.outcome === "partial" || result.outcome === "failed") {
      throw new CliError(`import ${result.executionId} ended as ${result.status}; its error files are beside ${file}`, ExitCode.failed);
    }
  });
}

/** Where each error file landed, and what could not be fetched, on stderr. */
export function reportErrorFiles(files: ErrorFiles): void {
  const written = [
    files.executionErrors,
    ...files.errorKeys.map((f) => f.file),
    ...files.stagingErrors.map((f) => f.file),
    files.summaryPage,
  ].filter((f): f is string => f !== undefined);
  for (const file of written) progress(`wrote ${file}`);
  for (const problem of files.problems) progress(`not written: ${problem}`);
}

function progress(line: string): void {
  process.stderr.write(`${line}\n`);
}

/** How the scripting commands (these and the single steps) print their result. */
export function printJson(value: unknown): void {
  process.stdout.write(JSON.stringify(value, null, 2) + "\n");
}
