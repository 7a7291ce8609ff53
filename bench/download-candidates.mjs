// Other ways to download a URL into a file, measured beside curl and the download path (`npm run bench --
// download --candidates`). Each prints its transfer seconds. Usage: node download-candidates.mjs MODE URL OUT TOKEN
// undici's own API is not a dependency (node:http measured cheaper): its modes need `npm i --no-save undici@7.30.2`.
import { createWriteStream, openSync, writeSync, closeSync } from "node:fs";
import { open } from "node:fs/promises";
import http from "node:http";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";

/** undici's request and stream, when installed. */
const undici = async () => import("undici");

const [mode, url, out, token] = process.argv.slice(2);
const headers = { authorization: `Bearer ${token}` };
const big = { highWaterMark: 1 << 20 };

/** Chunks gathered into writes of 1 MiB or more. */
async function fewerLargerWrites(body, file) {
  const handle = await open(file, "w");
  let parts = [];
  let size = 0;
  for await (const chunk of body) {
    parts.push(chunk);
    size += chunk.length;
    if (size >= 1 << 20) {
      await handle.writev(parts);
      parts = [];
      size = 0;
    }
  }
  if (size > 0) await handle.writev(parts);
  await handle.close();
}

function syncWrites(body, file) {
  const fd = openSync(file, "w");
  return (async () => {
    for await (const chunk of body) writeSync(fd, chunk);
    closeSync(fd);
  })();
}

const httpGet = () =>
  new Promise((resolve, reject) => http.get(url, { headers, highWaterMark: 1 << 20 }, resolve).on("error", reject));

const modes = {
  "fetch+pipeline": async () => pipeline(Readable.fromWeb((await fetch(url, { headers })).body), createWriteStream(out, big)),
  "fetch+syncWrites": async () => syncWrites((await fetch(url, { headers })).body, out),
  "undici.request+pipeline": async () => pipeline((await (await undici()).request(url, { headers })).body, createWriteStream(out, big)),
  "undici.request+syncWrites": async () => syncWrites((await (await undici()).request(url, { headers })).body, out),
  "undici.request+1MiBwritev": async () => fewerLargerWrites((await (await undici()).request(url, { headers })).body, out),
  "undici.stream": async () => (await undici()).stream(url, { method: "GET", headers }, () => createWriteStream(out, big)),
  "http(1MiB hwm)+pipeline": async () => pipeline(await httpGet(), createWriteStream(out, big)),
  "http(1MiB hwm)+syncWrites": async () => syncWrites(await httpGet(), out),
};

if (!(mode in modes)) throw new Error(`unknown mode ${mode}; one of ${Object.keys(modes).join(", ")}`);
const started = performance.now();
await modes[mode]();
process.stdout.write(JSON.stringify({ seconds: (performance.now() - started) / 1000 }) + "\n");
