import { readFile, rm } from "node:fs/promises";
import path from "node:path";
import { errorCodes, ToolError } from "../../errors/index.ts";
import { flushFolder } from "../../workflows/durable.ts";
import { executionExists, importPackage } from "../../workflows/package-import.ts";
import { readPackageManifest } from "../../workflows/package-manifest.ts";
import { newExecutionId } from "../../workflows/package-poll.ts";
import type { JobContext, JobKind, JobOutcome } from "../kind.ts";
import { dataProjectJobSchema, noState, type NoState } from "./common.ts";
import { folderSettingsSchema, runFolderSend, type FolderSettings, type SendHooks, type Sender, type Sent } from "./folder-send.ts";
import { claimedName, uploadFolders, writeJsonAtomic } from "./upload-folder.ts";

export interface ImportPackageSettings extends Omit<FolderSettings, "concurrency"> {
  /** The import data project in F&O. */
  definitionGroupId: string;
  legalEntityId?: string;
  /** A package of the data project to wrap each plain data file into (see package-template.ts); without it, every file must be a data package. */
  template?: string;
  /** ImportFromPackage's `execute` (staging → target too); default true. */
  execute?: boolean;
  /** ImportFromPackage's `overwrite`; default false. */
  overwrite?: boolean;
}

export const importPackageKind: JobKind<ImportPackageSettings, NoState> = {
  kind: "import-package",
  settingsSchema: dataProjectJobSchema({ template: { type: "string", minLength: 1 }, execute: { type: "boolean" }, overwrite: { type: "boolean" }, ...folderSettingsSchema }),
  folderUse: "inbox",
  initialState: noState,
  run: (context, settings) => runImportPackage(context, settings),
};

/**
 * One import-package run: the folder's files through the package API, one at a time (F&O runs one import of a data
 * project at a time), each in the layout and with the guarantees of the upload kind (runFolderSend), followed to
 * its end by a `monitor` job on the same folder. Unlike Enqueue, ImportFromPackage takes an execution ID chosen
 * here, so nothing needs to end as OutcomeUnknown: the ID is made durable (in .fno-upload/intents) before the file
 * is moved to sending/, and a send that failed or was cut short by a crash is settled by asking F&O for that
 * execution. If F&O has it, the import started and is followed; if F&O answers that it has none, the file is sent
 * again (nothing was imported); if F&O cannot be asked, the file waits in sending/ for the next run.
 */
export function runImportPackage(context: JobContext<NoState>, settings: ImportPackageSettings, hooks: SendHooks = {}): Promise<JobOutcome> {
  const folders = uploadFolders(settings.folder, "upload");
  const intentFile = (claim: string) => path.join(folders.intents, `${claim}.json`);
  const executionIdOf = async (claim: string): Promise<string | undefined> => {
    try {
      return (JSON.parse(await readFile(intentFile(claim), "utf8")) as { executionId?: string }).executionId;
    } catch {
      return undefined;
    }
  };
  const started = async (executionId: string, file: string | undefined): Promise<Sent> => ({
    executionId,
    status: "Started",
    // For a plain file wrapped into the template, the package is gone: the monitor then fetches the execution's errors only.
    ...(file !== undefined && settings.template === undefined ? { entities: (await readPackageManifest(file).catch(() => [])).map((e) => e.name) } : {}),
  });
  /** What F&O has for the claim's execution: the import started, or (when F&O has no such execution) nothing was imported. */
  const lookUp = async (claim: string, file: string | undefined): Promise<Sent | "refused"> => {
    const executionId = await executionIdOf(claim);
    if (executionId === undefined) return "refused"; // the ID is written before the file is sent: this one never was
    return (await executionExists(context.client, executionId, {})) ? started(executionId, file) : "refused";
  };
  const sender: Sender = {
    target: { definitionGroupId: settings.definitionGroupId, ...(settings.legalEntityId !== undefined ? { legalEntityId: settings.legalEntityId } : {}) },
    verb: "imported",
    beforeSending: async (claim) => {
      await writeJsonAtomic(folders, intentFile(claim), { executionId: newExecutionId(settings.definitionGroupId, context.now()) });
      await flushFolder(folders.intents);
    },
    // Without the abort signal: a shutdown lets a started import finish its call, so its outcome is known.
    send: async (file, _name, claim) => {
      const result = await importPackage({
        client: context.client,
        file,
        definitionGroupId: settings.definitionGroupId,
        legalEntityId: settings.legalEntityId,
        template: settings.template,
        execute: settings.execute,
        overwrite: settings.overwrite,
        executionId: await executionIdOf(claim),
      });
      return { executionId: result.executionId, entities: result.entities, status: "Started" };
    },
    settle: async (err, claim, name) => {
      // Not a package, or a file the template cannot take: refused before anything was sent to F&O.
      if (err instanceof ToolError && (err.code === errorCodes.invalid || err.code === errorCodes.unreadable)) return "rejected";
      try {
        return await lookUp(claim, path.join(folders.sending, claimedName(claim, name)));
      } catch {
        return "undecided";
      }
    },
    recover: (claim, name) => lookUp(claim, path.join(folders.sending, claimedName(claim, name))),
    howToCheck: (record, inbox) =>
      `Look for the execution of data project ${record.definitionGroupId} on the Data management workspace; if there is none, move this file back into ${inbox} to import it again.`,
    forget: (claim) => rm(intentFile(claim), { force: true }),
  };
  return runFolderSend(context, { ...settings, concurrency: 1 }, sender, hooks);
}
