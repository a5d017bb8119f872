import { readFile } from "node:fs/promises";
import { createPublicKey } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { auditDirectory, auditFiles } from "../../src/audit/audit-files.js";
import { AuditLog } from "../../src/audit/audit-log.js";
import { verifyAuditLog } from "../../src/audit/audit-verify.js";
import { ManualClock } from "../../src/core/clock.js";
import { openHsm } from "../../src/keys/hsm.js";
import { readTrail, silentLog, startTime, tempDirectory } from "./audit-fixture.js";

// SOFTHSM2_CONF is process-wide: this file is the only audit test that opens a token, and it
// opens and closes it in turn.
describe("the audit trail signed by a key inside SoftHSM", () => {
  let dataDir: Awaited<ReturnType<typeof tempDirectory>>;
  const trail = () => auditDirectory(dataDir.path);

  beforeAll(async () => {
    dataDir = await tempDirectory();
  });

  afterAll(async () => {
    await dataDir?.remove();
  });

  async function appendWithHsm(count: number): Promise<{ created: boolean; spki: Buffer }> {
    const hsm = await openHsm({ dataDir: dataDir.path, log: silentLog });
    try {
      const { signer, created } = await hsm.caSigner("audit", 2048);
      const clock = new ManualClock(startTime);
      const log = await AuditLog.open({ directory: trail(), signer, clock, log: silentLog });
      await Promise.all(Array.from({ length: count }, (_, n) =>
        log.append({ action: "certificate.revoked", actor: "admin", details: { n } })));
      await log.close();
      return { created, spki: signer.publicKeyInfo };
    } finally {
      await hsm.close();
    }
  }

  it("verifies with the published public key alone, the HSM closed", async () => {
    const { created, spki } = await appendWithHsm(5);

    expect(created).toBe(true);
    expect(await verifyAuditLog(trail())).toEqual({
      ok: true, records: 5, problems: [], notes: [],
    });
    const pem = await readFile(auditFiles(trail()).publicKey, "utf8");
    expect(createPublicKey(pem).export({ type: "spki", format: "der" }).equals(spki)).toBe(true);
  });

  it("continues the same chain with the same token key after a restart", async () => {
    const { created } = await appendWithHsm(3);

    expect(created).toBe(false);
    const seqs = (await readTrail(trail())).map((record) => record.seq);
    expect(seqs).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(await verifyAuditLog(trail())).toMatchObject({ ok: true, records: 8 });
  });
});
