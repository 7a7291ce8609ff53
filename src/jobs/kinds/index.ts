import type { JobKind } from "../kind.ts";
import { downloadKind } from "./download.ts";
import { exportPackageKind } from "./export-package.ts";
import { importPackageKind } from "./import-package.ts";
import { monitorKind } from "./monitor.ts";
import { uploadKind } from "./upload.ts";

/**
 * Every job kind `kind:` can name. The runner validates a job's keys against its kind's settings schema and
 * passes them on untyped, so each entry's settings type is erased here; each kind checks nothing the schema has
 * not already checked.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- settings and state types differ per kind; the schema is their check.
export const jobKinds: readonly JobKind<any, any>[] = [uploadKind, monitorKind, downloadKind, exportPackageKind, importPackageKind];
