import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import nock from "nock";
import { FnoClient } from "../../src/client/index.ts";
import { createClient, resolveConnection } from "../../src/cli/connection.ts";
import { repoRoot } from "../support/shared.ts";
import { findSecrets, redactDefinitions, type RecordedDefinition } from "./redact.ts";

const liveDir = path.join(repoRoot, "test", "recordings", "live");

/**
 * Records what a live environment answers for dequeue (→ download → ack when a message is waiting) and,
 * when an import job is named, enqueue → message status. Credentials, cookies, dates, package and file
 * contents and data-carrying texts are redacted in memory, and the result is scanned for secrets, before
 * anything is written; the live host becomes the recordings' host. The folder is ignored by git.
 */
export async function recordLive(env: NodeJS.ProcessEnv): Promise<number> {
  let client: FnoClient;
  let host: string;
  try {
    const connection = resolveConnection({}, env);
    if (!env.FNO_EXPORT_ACTIVITY) throw new Error("missing FNO_EXPORT_ACTIVITY (the activity ID of a recurring export job)");
    client = await createClient(connection);
    host = new URL(connection.environmentUrl).host;
  } catch (err) {
    process.stderr.write(`record: ${(err as Error).message}\n`);
    return 2;
  }
  mkdirSync(liveDir, { recursive: true });
  const exportId = env.FNO_EXPORT_ACTIVITY!;

  let failed = false;
  const record = async (name: string, steps: () => Promise<void>) => {
    nock.recorder.clear();
    nock.recorder.rec({ dont_print: true, output_objects: true, enable_reqheaders_recording: false });
    try {
      await steps();
    } finally {
      nock.restore();
    }
    const raw = (nock.recorder.play() as RecordedDefinition[]).filter((d) => !/login\.microsoftonline|oauth2/.test(d.scope + d.path));
    const file = path.join(liveDir, `${name}.json`);
    const text = JSON.stringify(redactDefinitions(raw, host), null, 4) + "\n";
    const found = findSecrets(text);
    // Names the kinds found, never the values: this output may be pasted into a bug report.
    if (found.length > 0) {
      process.stderr.write(`record: not writing ${path.relative(repoRoot, file)}: redaction left ${found.join(", ")}; extend test/harness/redact.ts\n`);
      failed = true;
    } else {
      writeFileSync(file, text);
      process.stdout.write(`recorded ${path.relative(repoRoot, file)} (${raw.length} request(s))\n`);
    }
    nock.activate();
  };

  await record("export", async () => {
    const result = await client.dequeue(exportId);
    if (result.kind === "message" && result.package.available) {
      await new Response((await client.download(result.message)).body).arrayBuffer();
      await client.acknowledge(exportId, result.message);
    }
  });
  if (env.FNO_IMPORT_ACTIVITY && env.FNO_IMPORT_FILE) {
    await record("import", async () => {
      const id = await client.enqueue(env.FNO_IMPORT_ACTIVITY!, readFileSync(env.FNO_IMPORT_FILE!), {
        ...(env.FNO_IMPORT_ENTITY ? { entity: env.FNO_IMPORT_ENTITY } : {}),
        ...(env.FNO_IMPORT_COMPANY ? { company: env.FNO_IMPORT_COMPANY } : {}),
      });
      await client.getMessageStatus(id);
    });
  }
  return failed ? 1 : 0;
}
