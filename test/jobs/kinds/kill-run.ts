/**
 * One run of an upload, import-package, export-package or download job in a child process that kills itself with SIGKILL when a step is reached
 * for the `occurrence`-th time (see kill.test.ts): nothing of the run executes after that step, no `finally`, no
 * buffered write, no lock release. Prints "finished" if the step is never reached.
 */
import { FnoClient } from "../../../src/client/index.ts";
import { noState } from "../../../src/jobs/kinds/common.ts";
import { runDownload, type DownloadSettings } from "../../../src/jobs/kinds/download.ts";
import { runExportPackage, type ExportPackageSettings } from "../../../src/jobs/kinds/export-package.ts";
import { runImportPackage, type ImportPackageSettings } from "../../../src/jobs/kinds/import-package.ts";
import { runUpload, type UploadSettings } from "../../../src/jobs/kinds/upload.ts";
import type { SimulatorConnection } from "../../../src/simulator/index.ts";
import { clientOptions, jobContext } from "./support.ts";

export type KillRun = { connection: SimulatorConnection; stateFile: string; step: string; occurrence: number } & (
  | { kind: "upload"; settings: UploadSettings }
  | { kind: "download"; settings: DownloadSettings }
  | { kind: "import-package"; settings: ImportPackageSettings }
  | { kind: "export-package"; settings: ExportPackageSettings }
);

const run = JSON.parse(process.argv[2]!) as KillRun;
const context = jobContext({ client: new FnoClient(clientOptions(run.connection)), stateFile: run.stateFile, initial: noState() });
let reached = 0;
const killAt = (step: string) => {
  if (step === run.step && ++reached === run.occurrence) process.kill(process.pid, "SIGKILL");
};
const outcome =
  run.kind === "upload"
    ? await runUpload(context, run.settings, { onStep: killAt })
    : run.kind === "import-package"
      ? await runImportPackage(context, run.settings, { onStep: killAt })
      : run.kind === "export-package"
        ? await runExportPackage(context, run.settings, { onStep: killAt })
        : await runDownload(context, run.settings, { onStep: killAt });
process.stdout.write(`finished ${JSON.stringify(outcome)}\n`);
