import { cp, mkdtemp, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connectClient, enrol, registerServer } from "../support/enrolment.js";
import { opensslRequest, ScratchDirectory } from "../ca/openssl.js";
import { GdsFixture } from "../support/gds-fixture.js";

/**
 * A data directory that has lost or damaged part of its state must stop the GDS with a message
 * that names what to restore, never start over with a new token or CA, or drop records.
 */
describe("a damaged data directory", () => {
  let original: GdsFixture;
  let copies: string;
  const scratch = new ScratchDirectory();

  beforeAll(async () => {
    original = await GdsFixture.create();
    await original.start();
    const admin = await connectClient(original);
    const uri = "urn:plant:damage";
    await enrol(admin, await registerServer(admin, uri),
      opensslRequest(scratch, { subjectAltName: `URI:${uri}` }));
    await admin.close();
    await original.stop();
    copies = await mkdtemp(join(tmpdir(), "sh-damaged-"));
  });

  afterAll(async () => {
    await original?.dispose();
    await rm(copies, { recursive: true, force: true });
    scratch.remove();
  });

  async function startCopy(damage: (dataDir: string) => Promise<void>): Promise<unknown> {
    const dataDir = join(copies, Math.random().toString(16).slice(2));
    await cp(original.dataDir, dataDir, { recursive: true });
    await damage(dataDir);
    const fixture = await GdsFixture.create({ dataDir });
    try {
      await fixture.start();
      return undefined;
    } catch (error) {
      return error;
    } finally {
      await fixture.stop();
    }
  }

  it("refuses to start when the store lost its CA record", async () => {
    const error = await startCopy((dir) => writeFile(join(dir, "store", "authorities.db"), ""));
    expect(String(error)).toMatch(/no CA record.*authorities\.db/);
  });

  it("refuses to start, and makes no new token, when the embedded token is gone", async () => {
    let dataDir = "";
    const error = await startCopy(async (dir) => {
      dataDir = dir;
      await rm(join(dir, "hsm"), { recursive: true });
    });
    expect(String(error)).toMatch(/embedded token \(hsm\/\) is missing/);
    await expect(stat(join(dataDir, "hsm"))).rejects.toThrow(/ENOENT/);
  });

  it("refuses to start on a torn line in a store file and names the file", async () => {
    const error = await startCopy(async (dir) => {
      const file = join(dir, "store", "certificates.db");
      const content = await readFile(file);
      await writeFile(file, content.subarray(0, content.length - 40));
    });
    expect(String(error)).toMatch(/certificates\.db has 1 unreadable line/);
  });

  it("refuses to start when the audit trail was removed", async () => {
    const error = await startCopy(async (dir) => {
      await rm(join(dir, "audit", "audit.log"));
      await rm(join(dir, "audit", "audit.head"), { force: true });
    });
    expect(String(error)).toMatch(/audit trail .* is empty although this GDS has run before/);
  });
});
