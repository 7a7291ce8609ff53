// The CLI's download path (FnoClient.downloadTo into a FileSink, as `fno-connector download` runs it), compiled,
// without the CLI's start-up: prints the transfer's own seconds. Usage: node download-path.mjs URL OUT TOKEN
import { FnoClient } from "../dist/js/client/index.js";
import { FileSink } from "../dist/js/workflows/package-store.js";

const [url, out, token] = process.argv.slice(2);
const credential = { getToken: async () => ({ token, expiresOnTimestamp: Date.now() + 3_600_000 }) };
const client = new FnoClient({ environmentUrl: new URL(url).origin, credential });
const started = performance.now();
const sink = await FileSink.open(out, { hash: false });
try {
  await client.downloadTo(url, sink);
} finally {
  await sink.close({ flush: false });
}
process.stdout.write(JSON.stringify({ seconds: (performance.now() - started) / 1000 }) + "\n");
