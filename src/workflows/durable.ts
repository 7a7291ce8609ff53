import { open } from "node:fs/promises";

/**
 * Makes a rename in `dir` durable. POSIX needs the folder itself synced; Windows cannot open a folder
 * for that and makes renames durable with the file, so there it is a no-op.
 */
export async function flushFolder(dir: string): Promise<void> {
  if (process.platform === "win32") return;
  const handle = await open(dir, "r");
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}
