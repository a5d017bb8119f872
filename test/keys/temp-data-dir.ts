import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** A fresh data directory under os.tmpdir(); remove() deletes it and everything in it. */
export async function tempDataDir(): Promise<{ path: string; remove(): Promise<void> }> {
  const path = await mkdtemp(join(tmpdir(), "sh-keys-"));
  return { path, remove: () => rm(path, { recursive: true, force: true }) };
}
