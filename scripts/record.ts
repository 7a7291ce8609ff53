// npm run record: re-record the live-recordable scenarios against a real environment.
// Needs FNO_URL, AZURE_TENANT_ID, AZURE_CLIENT_ID, AZURE_CLIENT_SECRET and FNO_EXPORT_ACTIVITY
// (optionally FNO_IMPORT_ACTIVITY, FNO_IMPORT_FILE, FNO_IMPORT_ENTITY, FNO_IMPORT_COMPANY).
// Writes redacted nock fixtures to test/recordings/live/ (ignored by git: read them before copying any into test/recordings/).
import { recordLive } from "../test/harness/record-live.ts";

process.exitCode = await recordLive(process.env);
