// Serves one file to every GET (any path, any bearer token), in its own process so that the benchmark's own work
// (the simulator, the zip it just generated, its garbage) does not slow the server. Prints its port, then serves
// until killed. Usage: node file-server.mjs FILE
import { createReadStream, statSync } from "node:fs";
import { createServer } from "node:http";

const file = process.argv[2];
const size = statSync(file).size;
const server = createServer((_req, res) => {
  res.writeHead(200, { "content-type": "application/octet-stream", "content-length": size });
  createReadStream(file, { highWaterMark: 1 << 20 }).pipe(res);
});
server.listen(0, "127.0.0.1", () => process.stdout.write(`${server.address().port}\n`));
