import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildCrl } from "../../src/ca/crl-builder.js";
import { decodePem, encodePem } from "../../src/ca/pem.js";
import { thumbprint } from "../../src/ca/thumbprint.js";
import { opensslOk, ScratchDirectory } from "./openssl.js";
import { createTestCa, type TestCa } from "./test-ca.js";

describe("PEM and thumbprints", () => {
  const scratch = new ScratchDirectory();
  let ca: TestCa;

  beforeAll(async () => {
    ca = await createTestCa(scratch);
  });
  afterAll(() => scratch.remove());

  it("writes certificates openssl reads, in 64-character lines", () => {
    const pem = encodePem(ca.certificateDer, "CERTIFICATE");
    expect(pem.split("\n").every((line) => line.length <= 64)).toBe(true);

    const der = opensslOk([
      "x509",
      "-in",
      ca.pemFile,
      "-outform",
      "DER",
      "-out",
      scratch.file("ca.der"),
    ]);
    expect(der).toBe("");
    expect(scratch.read("ca.der").equals(ca.certificateDer)).toBe(true);
    expect(decodePem(`text before\n${pem}text after`, "CERTIFICATE")).toEqual([ca.certificateDer]);
  });

  it("writes CRLs with the X509 CRL label openssl reads", async () => {
    const crl = await buildCrl({
      signer: ca.signer,
      issuerCertificateDer: ca.certificateDer,
      crlNumber: 1n,
      thisUpdate: new Date(),
      nextUpdate: new Date(Date.now() + 86_400_000),
      revoked: [],
    });
    const file = scratch.write("crl.pem", encodePem(crl, "X509 CRL"));
    expect(opensslOk(["crl", "-in", file, "-noout", "-crlnumber"])).toContain("crlNumber=0x01");
  });

  it("gives the thumbprint as uppercase hex SHA-1 of the DER, as openssl computes it", () => {
    const fingerprint = opensslOk(["x509", "-in", ca.pemFile, "-noout", "-fingerprint", "-sha1"]);
    const expected = fingerprint.trim().split("=")[1]!.replace(/:/g, "");
    expect(thumbprint(ca.certificateDer)).toBe(expected);
    expect(expected).toMatch(/^[0-9A-F]{40}$/);
  });
});
