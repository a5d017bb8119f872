import { readdir, readlink } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { openNedbStore } from "../../src/store/nedb-store.js";
import { opensslRequest, ScratchDirectory } from "../ca/openssl.js";
import { connectClient, registerServer } from "../support/enrolment.js";
import { GdsFixture } from "../support/gds-fixture.js";

/** Files under `directory` that this process still holds open. */
async function descriptorsUnder(directory: string): Promise<string[]> {
  const descriptors = await readdir("/proc/self/fd");
  const targets = await Promise.all(descriptors.map((fd) =>
    readlink(join("/proc/self/fd", fd)).catch(() => "")));
  return targets.filter((target) => target.startsWith(directory));
}

describe("stopping the GDS while method calls are under way", () => {
  let fixture: GdsFixture | undefined;
  const scratch = new ScratchDirectory();
  afterAll(async () => {
    await fixture?.dispose();
    scratch.remove();
  });

  // How many calls are still running at stop depends on timing; whatever their number, none
  // may fail for a closed store, and no store file may stay open.
  it("lets the calls finish their writes before the store closes", async () => {
    fixture = await GdsFixture.create();
    await fixture.start();
    const admin = await connectClient(fixture);
    const applications = [];
    for (let n = 0; n < 12; n++) {
      const uri = `urn:plant:stopping:${n}`;
      applications.push({ id: await registerServer(admin, uri),
        csr: opensslRequest(scratch, { subjectAltName: `URI:${uri}` }) });
    }
    const calls = applications.map(({ id, csr }) => admin.startSigningRequest(id, csr)
      .then((result) => result.statusCode.name, () => "no answer"));
    // One answer means the server is busy with the others; stop now.
    await Promise.race(calls);
    await fixture.stop();
    await Promise.all(calls);
    await admin.close().catch(() => undefined);

    // A call cut off by a closed store would log "method failed", and a write after close
    // would open a store file again and keep it open.
    const failed = fixture.lines.filter((line) => line.includes("\"method failed\""));
    expect(failed).toEqual([]);
    expect(await descriptorsUnder(fixture.dataDir)).toEqual([]);

    // Whatever the server took on is on disk, whole, and the store loads.
    const store = await openNedbStore(join(fixture.dataDir, "store"));
    const issued = await store.certificates.count();
    await store.close();
    expect(issued).toBeGreaterThan(0);
  });
});
