/**
 * Run as its own process with --expose-gc (test/client/upload-memory.test.ts): uploads a sparse file of the given
 * size through FnoClient.uploadBlob to a sink on loopback, collecting garbage every 20 ms, and prints the peak
 * growth of the resident set over the run as JSON, with the bytes the sink received (a block list's XML not
 * counted). By default the write URL's sv (2014-02-14) makes the upload go in 4 MiB blocks; `--large-blocks` sends
 * 32 MiB blocks (sv=2016-05-31), 4 in flight, so a block held while sent would show as 128 MiB; `--single` sends it
 * in one Put Blob (sv=2019-12-12, threshold raised); `--fetch` sends the file with fetch instead, to show what the
 * measurement sees when a body is read ahead of the socket. The sink runs in a process of its own (this script with
 * `--sink`), so the buffers it receives into are not counted as the upload's.
 */
import { spawn } from "node:child_process";
import { once } from "node:events";
import { closeSync, ftruncateSync, mkdtempSync, openAsBlob, openSync, rmSync } from "node:fs";
import { createServer } from "node:http";
import { tmpdir } from "node:os";
import path from "node:path";
import { FnoClient } from "../../src/client/index.ts";

if (process.argv.includes("--sink")) {
  // Counts the bytes PUT to it; GET /received answers the count. Prints its port when listening.
  let received = 0;
  const server = createServer((request, response) => {
    if (request.method === "GET" && request.url === "/received") return void response.end(String(received));
    const blockList = request.url?.includes("comp=blocklist") ?? false;
    request.on("data", (chunk: Buffer) => (received += blockList ? 0 : chunk.length));
    request.on("end", () => response.writeHead(201).end());
  });
  server.listen(0, "127.0.0.1", () => process.stdout.write(`${(server.address() as { port: number }).port}\n`));
} else {
  const bytes = Number(process.argv[2]);
  const viaFetch = process.argv.includes("--fetch");
  const single = process.argv.includes("--single");
  const largeBlocks = process.argv.includes("--large-blocks");
  const dir = mkdtempSync(path.join(tmpdir(), "fno-upload-memory-"));
  const file = path.join(dir, "package.zip");
  const fd = openSync(file, "w");
  ftruncateSync(fd, bytes);
  closeSync(fd);

  const sink = spawn(process.execPath, [...process.execArgv, process.argv[1]!, "--sink"], { stdio: ["ignore", "pipe", "inherit"] });
  const [port] = (await once(sink.stdout, "data")) as [Buffer];
  const origin = `http://127.0.0.1:${String(port).trim()}`;
  const url = `${origin}/dmf/package.zip?sv=${single ? "2019-12-12" : largeBlocks ? "2016-05-31" : "2014-02-14"}&sig=s`;

  // fetch loads undici on its first call: loaded before the baseline, so the measurement sees the upload, not that code.
  await (await fetch(url)).arrayBuffer();

  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) throw new Error("run with --expose-gc");
  gc();
  const baseline = process.memoryUsage().rss;
  let peak = baseline;
  const sampler = setInterval(() => {
    gc();
    peak = Math.max(peak, process.memoryUsage().rss);
  }, 20);
  if (viaFetch) await fetch(url, { method: "PUT", body: await openAsBlob(file) });
  else {
    const client = new FnoClient({
      environmentUrl: "https://contoso.operations.dynamics.com",
      credential: { getToken: async () => ({ token: "t", expiresOnTimestamp: Date.now() + 3_600_000 }) },
      blobUpload: single ? { singleUploadMaxBytes: bytes } : largeBlocks ? { blockBytes: 32 * 1024 * 1024 } : {},
    });
    await client.uploadBlob(url, file);
  }
  clearInterval(sampler);
  const received = Number(await (await fetch(`${origin}/received`)).text());
  sink.kill();
  rmSync(dir, { recursive: true, force: true });
  process.stdout.write(JSON.stringify({ received, growth: peak - baseline }) + "\n");
}
