import { X509Certificate } from "node:crypto";
import { afterAll, describe, expect, it, vi } from "vitest";
import { ocspResponderId } from "../../src/ca/authority.js";
import { ManualClock } from "../../src/core/clock.js";
import { adminPassword, GdsFixture } from "../support/gds-fixture.js";

const dayMs = 86_400_000;

describe("the delegated OCSP responder's certificate", () => {
  let fixture: GdsFixture;
  afterAll(async () => {
    await fixture?.dispose();
  });

  it("is kept across restarts, and re-issued for the same HSM key past half its life",
    async () => {
      const clock = new ManualClock(new Date());
      fixture = await GdsFixture.create();
      const first = await fixture.start({ adminPassword, clock });
      const [issued] = await first.store.certificates.listForApplication(ocspResponderId);
      expect(issued).toBeDefined();
      const certificate = new X509Certificate(Buffer.from(issued!.der, "base64"));
      expect(certificate.checkIssued(new X509Certificate(first.authority.certificate())))
        .toBe(true);
      expect(Date.parse(certificate.validTo) - clock.now().getTime()).toBeLessThan(31 * dayMs);

      await fixture.stop();
      clock.advance(10 * dayMs);
      const second = await fixture.start({ adminPassword, clock });
      expect(await second.store.certificates.listForApplication(ocspResponderId))
        .toHaveLength(1);

      await fixture.stop();
      clock.advance(6 * dayMs);
      const third = await fixture.start({ adminPassword, clock });
      const records = await third.store.certificates.listForApplication(ocspResponderId);
      expect(records).toHaveLength(2);
      // Newest first.
      const renewed = new X509Certificate(Buffer.from(records[0]!.der, "base64"));
      expect(renewed.serialNumber).not.toBe(certificate.serialNumber);
      expect(renewed.publicKey.export({ type: "spki", format: "der" }))
        .toEqual(certificate.publicKey.export({ type: "spki", format: "der" }));
      expect(fixture.output().match(/OCSP responder certificate issued/g)).toHaveLength(2);
    });

  it("is replaced as soon as it is revoked", async () => {
    await fixture?.stop(); // one token module per process
    const own = await GdsFixture.create();
    try {
      const gds = await own.start({ adminPassword });
      const [first] = await gds.store.certificates.listForApplication(ocspResponderId);
      await gds.authority.revoke([first!.serialNumber], "superseded", "test");

      await vi.waitFor(async () => {
        const records = await gds.store.certificates.listForApplication(ocspResponderId);
        expect(records.filter((record) => !record.revokedAt)).toHaveLength(1);
      }, { timeout: 10_000, interval: 50 });
      expect(own.output().match(/OCSP responder certificate issued/g)).toHaveLength(2);
    } finally {
      await own.dispose();
    }
  });
});
