import { spawn } from "node:child_process";
import { describe, expect, it } from "vitest";
import yauzl from "yauzl";
import { generatedPackage } from "../../src/simulator/export-package.ts";
import { defaultIds, type Simulator } from "../../src/simulator/index.ts";
import { call, sha256, start, token } from "./support.ts";

const activity = defaultIds.exportActivityId;

async function download(simulator: Simulator, location: string): Promise<{ response: Response; bytes: Buffer }> {
  const response = await call(simulator, await token(simulator), location);
  return { response, bytes: Buffer.from(await response.arrayBuffer()) };
}

/** Entry names and uncompressed sizes, read by yauzl from the central directory. */
function zipEntries(bytes: Buffer): Promise<Map<string, number>> {
  return new Promise((resolve, reject) => {
    yauzl.fromBuffer(bytes, { lazyEntries: true }, (err, zip) => {
      if (err) return reject(err);
      const entries = new Map<string, number>();
      zip.on("entry", (entry: yauzl.Entry) => {
        entries.set(entry.fileName, entry.uncompressedSize);
        zip.readEntry();
      });
      zip.on("end", () => resolve(entries));
      zip.on("error", reject);
      zip.readEntry();
    });
  });
}

describe("download (fno-api.md §1.3)", () => {
  it("streams a generated 1.5 MiB package whose bytes match the seeded SHA-256 and Content-Length", async () => {
    const simulator = await start();
    const dataBytes = 1.5 * 1024 * 1024;
    const seeded = await simulator.seedExport(activity, { kind: "package", dataBytes, entity: "Customer groups" });
    const { response, bytes } = await download(simulator, seeded.downloadLocation!);
    expect(response.status).toBe(200);
    expect(Number(response.headers.get("content-length"))).toBe(seeded.size);
    expect(bytes.length).toBe(seeded.size);
    expect(sha256(bytes)).toBe(seeded.sha256);
    expect(await zipEntries(bytes)).toEqual(
      new Map([
        ["Manifest.xml", expect.any(Number)],
        ["PackageHeader.xml", expect.any(Number)],
        ["Customer groups.csv", dataBytes],
      ]),
    );
    expect(simulator.counters()).toMatchObject({ downloads: 1, downloadsAborted: 0, downloadBytes: seeded.size });
  });

  it("serves explicit bytes exactly as seeded", async () => {
    const simulator = await start();
    const bytes = Buffer.from("not a zip at all");
    const seeded = await simulator.seedExport(activity, { kind: "bytes", bytes });
    expect(seeded).toMatchObject({ size: bytes.length, sha256: sha256(bytes) });
    expect((await download(simulator, seeded.downloadLocation!)).bytes).toEqual(bytes);
  });

  it("answers 404 for a blob that does not belong to the correlation ID", async () => {
    const simulator = await start();
    const [a, b] = [await simulator.seedExport(activity, { kind: "bytes", bytes: Buffer.from("a") }), await simulator.seedExport(activity, { kind: "bytes", bytes: Buffer.from("b") })];
    const mixed = a.downloadLocation!.replace(a.blobId, b.blobId);
    expect((await download(simulator, mixed)).response.status).toBe(404);
  });

  it("needs the bearer token like every F&O call", async () => {
    const simulator = await start();
    const seeded = await simulator.seedExport(activity, { kind: "bytes", bytes: Buffer.from("x") });
    expect((await call(simulator, undefined, seeded.downloadLocation!)).status).toBe(401);
  });
});

describe("generated packages", () => {
  it("know their size up front and stream a 1 GiB package without holding it", async () => {
    const dataBytes = 2 ** 30;
    const before = process.memoryUsage().rss;
    const { size, stream } = await generatedPackage({ entity: "Big", dataBytes, contentSeed: 1 }).open();
    const { size: smallSize } = await generatedPackage({ entity: "Big", dataBytes: 1, contentSeed: 1 }).open();
    // Stored entries: the zip is the data plus fixed headers, whatever the size below 4 GiB.
    expect(size - dataBytes).toBe(smallSize - 1);
    let read = 0;
    for await (const chunk of stream) {
      read += (chunk as Buffer).length;
      if (read > 16 * 1024 * 1024) break;
    }
    expect(process.memoryUsage().rss - before).toBeLessThan(100 * 1024 * 1024);
  });

  it("are identical for a seed and differ across seeds", async () => {
    const simulator = await start();
    const spec = { kind: "package", dataBytes: 10_000 } as const;
    const [a, b, c] = [
      await simulator.seedExport(activity, { ...spec, contentSeed: 5 }),
      await simulator.seedExport(activity, { ...spec, contentSeed: 5 }),
      await simulator.seedExport(activity, { ...spec, contentSeed: 6 }),
    ];
    expect(a.sha256).toBe(b.sha256);
    expect(c.sha256).not.toBe(a.sha256);
  });
});

describe("body faults on downloads", () => {
  it.each(["reset", "truncate"] as const)("%s: the client gets fewer bytes than Content-Length and an error", async (kind) => {
    const simulator = await start({ faults: { rules: [{ endpoint: "download", kind, afterBytes: 100_000 }] } });
    const seeded = await simulator.seedExport(activity, { kind: "package", dataBytes: 1024 * 1024 });
    const response = await call(simulator, await token(simulator), seeded.downloadLocation!);
    expect(Number(response.headers.get("content-length"))).toBe(seeded.size);
    let received = 0;
    const reading = (async () => {
      for await (const chunk of response.body!) received += chunk.length;
    })();
    await expect(reading).rejects.toThrow();
    expect(received).toBeLessThanOrEqual(100_000);
    await expect.poll(() => simulator.counters().downloadsAborted).toBe(1);
    expect(simulator.counters()).toMatchObject({ downloads: 0, faultsInjected: 1 });
  });

  it("reset sends a TCP RST, truncate a clean FIN (seen from another process)", async () => {
    const simulator = await start({
      faults: {
        rules: [
          { endpoint: "download", kind: "reset", afterBytes: 1000, times: 1 },
          { endpoint: "download", kind: "truncate", afterBytes: 1000, times: 1 },
        ],
      },
    });
    const seeded = await simulator.seedExport(activity, { kind: "package", dataBytes: 100_000 });
    const bearer = await token(simulator);
    // Both ends in one process can see the RST as a FIN; a raw socket in a child process tells them apart.
    const ending = async () => {
      const url = new URL(seeded.downloadLocation!);
      const script = `
        const s = require("node:net").connect(${simulator.port}, "127.0.0.1", () =>
          s.write("GET ${url.pathname}${url.search} HTTP/1.1\\r\\nHost: x\\r\\nAuthorization: Bearer ${bearer}\\r\\n\\r\\n"));
        s.on("data", () => {});
        s.on("end", () => console.log("FIN"));
        s.on("error", (e) => console.log(e.code));`;
      const child = spawn(process.execPath, ["-e", script]);
      let out = "";
      child.stdout.on("data", (d: Buffer) => (out += d.toString()));
      await new Promise((resolve) => child.on("exit", resolve));
      return out.trim();
    };
    expect(await ending()).toBe("ECONNRESET");
    expect(await ending()).toBe("FIN");
  });
});

describe("download with Range (rangeRequests; F&O's own support is unknown)", () => {
  it("serves the rest of a package with 206 and Content-Range when asked, and the whole with 200 when If-Range no longer matches", async () => {
    const simulator = await start({ rangeRequests: true });
    const seeded = await simulator.seedExport(activity, { kind: "package", dataBytes: 200_000 });
    const bearer = await token(simulator);
    const whole = await call(simulator, bearer, seeded.downloadLocation!);
    const etag = whole.headers.get("etag");
    expect(etag).toMatch(/^"[0-9a-f]{32}"$/);
    expect(whole.headers.get("accept-ranges")).toBe("bytes");
    const all = Buffer.from(await whole.arrayBuffer());

    const from = 123_457;
    const rest = await call(simulator, bearer, seeded.downloadLocation!, { headers: { range: `bytes=${from}-`, "if-range": etag! } });
    expect(rest.status).toBe(206);
    expect(rest.headers.get("content-range")).toBe(`bytes ${from}-${seeded.size - 1}/${seeded.size}`);
    expect(Buffer.from(await rest.arrayBuffer())).toEqual(all.subarray(from));

    const changed = await call(simulator, bearer, seeded.downloadLocation!, { headers: { range: `bytes=${from}-`, "if-range": '"another"' } });
    expect(changed.status).toBe(200);
    expect(sha256(Buffer.from(await changed.arrayBuffer()))).toBe(seeded.sha256);
  });

  it("answers 200 with the whole package to a Range request by default", async () => {
    const simulator = await start();
    const seeded = await simulator.seedExport(activity, { kind: "package", dataBytes: 10_000 });
    const response = await call(simulator, await token(simulator), seeded.downloadLocation!, { headers: { range: "bytes=100-" } });
    expect(response.status).toBe(200);
    expect(response.headers.get("content-range")).toBeNull();
    expect(sha256(Buffer.from(await response.arrayBuffer()))).toBe(seeded.sha256);
  });
});
