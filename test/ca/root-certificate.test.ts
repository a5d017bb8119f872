import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createRootCertificate } from "../../src/ca/root-certificate.js";
import { generateSerialNumber } from "../../src/ca/serial-number.js";
import { gdsErrorOfAsync } from "./gds-error.js";
import { opensslOk, ScratchDirectory } from "./openssl.js";
import { createSoftwareSigner } from "./software-signer.js";
import { caSubject, createTestCa, type TestCa } from "./test-ca.js";

describe("createRootCertificate", () => {
  const scratch = new ScratchDirectory();
  let ca: TestCa;
  let text: string;

  beforeAll(async () => {
    ca = await createTestCa(scratch, new Date("2026-01-01T00:00:00Z"));
    text = opensslOk(["x509", "-in", ca.pemFile, "-noout", "-text", "-nameopt", "RFC2253"]);
  });
  afterAll(() => scratch.remove());

  it("is a self-signed v3 certificate openssl verifies strictly", () => {
    const args = ["verify", "-x509_strict", "-purpose", "any", "-CAfile", ca.pemFile, ca.pemFile];
    expect(opensslOk(args)).toContain(": OK");
    expect(text).toContain("Version: 3 (0x2)");
  });

  it("is a CA for certificate and CRL signing, both extensions critical", () => {
    expect(text).toMatch(/Basic Constraints: critical\s+CA:TRUE\n/);
    expect(text).toMatch(/Key Usage: critical\s+Digital Signature, Certificate Sign, CRL Sign\n/);
  });

  it("has an SKI and an AKI with the same key identifier", () => {
    const ski = /Subject Key Identifier: \s+([0-9A-F:]+)/.exec(text)?.[1];
    const aki = /Authority Key Identifier: \s+(?:keyid:)?([0-9A-F:]+)/.exec(text)?.[1];
    expect(ski).toMatch(/^([0-9A-F]{2}:){19}[0-9A-F]{2}$/);
    expect(aki).toBe(ski);
  });

  it("reads its subject back as written (RFC 4514 order) and is its own issuer", () => {
    expect(text).toContain(`Subject: ${caSubject.replace(", ", ",")}\n`);
    expect(text).toContain(`Issuer: ${caSubject.replace(", ", ",")}\n`);
  });

  it("is valid from notBefore for the given number of years", () => {
    const dates = opensslOk(["x509", "-in", ca.pemFile, "-noout", "-startdate", "-enddate"]);
    expect(dates).toContain("notBefore=Jan  1 00:00:00 2026 GMT");
    expect(dates).toContain("notAfter=Jan  1 00:00:00 2046 GMT");
  });

  it("refuses a validity that is not a whole number of years from 1 to 100", async () => {
    const signer = createSoftwareSigner();
    for (const validityYears of [0, 1.5, 101]) {
      const error = await gdsErrorOfAsync(() =>
        createRootCertificate({
          signer,
          subject: caSubject,
          validityYears,
          serialNumber: generateSerialNumber(),
          notBefore: new Date(),
        }),
      );
      expect(error.code).toBe("InvalidArgument");
    }
  });
});
