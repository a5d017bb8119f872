import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { issueApplicationCertificate } from "../../src/ca/certificate-issuer.js";
import { loadCertificateProfiles } from "../../src/ca/certificate-profile.js";
import { parseCertificationRequest } from "../../src/ca/certification-request.js";
import { buildCrl, type CrlRequest, type RevokedCertificate } from "../../src/ca/crl-builder.js";
import { encodePem } from "../../src/ca/pem.js";
import { generateSerialNumber } from "../../src/ca/serial-number.js";
import { gdsErrorOfAsync } from "./gds-error.js";
import { asn1Elements, openssl, opensslOk, opensslRequest, ScratchDirectory } from "./openssl.js";
import { createSoftwareSigner } from "./software-signer.js";
import { createTestCa, type TestCa } from "./test-ca.js";

const thisUpdate = new Date("2026-12-01T00:00:00Z");
const nextUpdate = new Date("2026-12-08T00:00:00Z");

describe("buildCrl", () => {
  const scratch = new ScratchDirectory();
  let ca: TestCa;

  beforeAll(async () => {
    ca = await createTestCa(scratch, new Date("2026-01-01T00:00:00Z"));
  });
  afterAll(() => scratch.remove());

  function build(overrides: Partial<CrlRequest> = {}): Promise<Buffer> {
    return buildCrl({
      signer: ca.signer,
      issuerCertificateDer: ca.certificateDer,
      crlNumber: 1n,
      thisUpdate,
      nextUpdate,
      revoked: [],
      ...overrides,
    });
  }

  function save(der: Buffer): string {
    return scratch.write(`crl-${Math.random().toString(16).slice(2)}.der`, der);
  }

  function crlText(der: Buffer): string {
    return opensslOk(["crl", "-inform", "DER", "-in", save(der), "-noout", "-text"]);
  }

  it("builds an empty v2 CRL with AKI, cRLNumber and nextUpdate, signed by the CA", async () => {
    const der = await build({ crlNumber: 42n });
    const text = crlText(der);

    expect(text).toContain("Version 2 (0x1)");
    expect(text).toContain("Last Update: Dec  1 00:00:00 2026 GMT");
    expect(text).toContain("Next Update: Dec  8 00:00:00 2026 GMT");
    expect(text).toMatch(/X509v3 CRL Number: \s+42\n/);
    expect(text).toMatch(/X509v3 Authority Key Identifier: \s+(keyid:)?[0-9A-F:]{59}\n/);
    expect(text).toContain("No Revoked Certificates.");

    const verified = openssl(["crl", "-inform", "DER", "-in", save(der), "-CAfile", ca.pemFile]);
    expect(verified.stderr + verified.stdout).toContain("verify OK");
  });

  it("leaves revokedCertificates out entirely when nothing is revoked", async () => {
    const der = await build();

    // TBSCertList: version, signature, issuer, thisUpdate, nextUpdate, [0] crlExtensions.
    const kinds = asn1Elements(der, 2, scratch).map((element) => element.kind);
    expect(kinds.slice(0, 6)).toEqual([
      "INTEGER",
      "SEQUENCE",
      "SEQUENCE",
      "UTCTIME",
      "UTCTIME",
      "cont [ 0 ]",
    ]);
  });

  it("lists revoked serials, with a reasonCode only where the reason says something", async () => {
    const revoked: RevokedCertificate[] = [
      { serialNumber: "0a1b", revocationDate: new Date("2026-11-01T00:00:00Z") },
      { serialNumber: "7f01", revocationDate: thisUpdate, reason: "keyCompromise" },
      { serialNumber: "7f02", revocationDate: thisUpdate, reason: 5 },
      { serialNumber: "7f03", revocationDate: thisUpdate, reason: "unspecified" },
    ];
    const text = crlText(await build({ revoked }));

    expect(text).toMatch(/Serial Number: 0A1B\s+Revocation Date: Nov  1 00:00:00 2026 GMT\n/);
    expect(text).toMatch(/Serial Number: 7F01\s+Revocation Date: [^\n]+\s+CRL entry extensions:/);
    expect(text).toMatch(/X509v3 CRL Reason Code:\s+Key Compromise/);
    expect(text).toMatch(/X509v3 CRL Reason Code:\s+Cessation Of Operation/);
    expect(text).not.toContain("Unspecified");
    expect(text.match(/CRL entry extensions/g)).toHaveLength(2);
  });

  it("makes openssl verify -crl_check refuse a revoked certificate, accept another", async () => {
    const profile = (await loadCertificateProfiles()).get("RsaSha256ApplicationCertificateType")!;
    const csr = parseCertificationRequest(opensslRequest(scratch));
    const issue = (serialNumber: string) =>
      issueApplicationCertificate({
        signer: ca.signer,
        issuer: { certificateDer: ca.certificateDer },
        subject: csr.subject,
        publicKeyInfo: csr.publicKeyInfo,
        applicationUri: "urn:example:revocation",
        dnsNames: [],
        ipAddresses: [],
        profile,
        serialNumber,
        notBefore: new Date(Date.now() - 60_000),
      });
    const [revokedSerial, goodSerial] = [generateSerialNumber(), generateSerialNumber()];
    const revokedFile = scratch.write(
      "revoked.pem",
      encodePem(await issue(revokedSerial), "CERTIFICATE"),
    );
    const goodFile = scratch.write("good.pem", encodePem(await issue(goodSerial), "CERTIFICATE"));

    const now = new Date();
    const crl = await build({
      thisUpdate: new Date(now.getTime() - 60_000),
      nextUpdate: new Date(now.getTime() + 7 * 86_400_000),
      revoked: [{ serialNumber: revokedSerial, revocationDate: now, reason: "superseded" }],
    });
    const crlFile = scratch.write("crl.pem", encodePem(crl, "X509 CRL"));
    const verify = (file: string) =>
      openssl(["verify", "-crl_check", "-CAfile", ca.pemFile, "-CRLfile", crlFile, file]);

    const refused = verify(revokedFile);
    expect(refused.status).not.toBe(0);
    expect(refused.stderr + refused.stdout).toContain("certificate revoked");
    expect(verify(goodFile).status).toBe(0);
  });

  it("writes UTCTime before 2050 and GeneralizedTime from 2050 on", async () => {
    const der = await build({
      thisUpdate: new Date("2049-12-31T00:00:00Z"),
      nextUpdate: new Date("2050-01-07T00:00:00Z"),
      revoked: [{ serialNumber: "01", revocationDate: new Date("2050-01-01T00:00:00Z") }],
    });

    const kinds = asn1Elements(der, 2, scratch).map((element) => element.kind);
    expect(kinds.slice(3, 5)).toEqual(["UTCTIME", "GENERALIZEDTIME"]);
    expect(asn1Elements(der, 4, scratch).map((element) => element.kind)).toContain(
      "GENERALIZEDTIME",
    );
    expect(crlText(der)).toContain("Next Update: Jan  7 00:00:00 2050 GMT");
  });

  it("encodes CRL numbers beyond 64 bits", async () => {
    const crlNumber = 2n ** 100n + 7n;
    expect(crlText(await build({ crlNumber }))).toMatch(
      new RegExp(`CRL Number: \\s+${crlNumber.toString()}\\n`),
    );
  });

  it("refuses unknown reasons, reversed dates, bad serials and negative numbers", async () => {
    const date = thisUpdate;
    const cases: Partial<CrlRequest>[] = [
      { revoked: [{ serialNumber: "01", revocationDate: date, reason: "removeFromCRL" as never }] },
      { revoked: [{ serialNumber: "01", revocationDate: date, reason: 7 }] },
      { revoked: [{ serialNumber: "xyz", revocationDate: date }] },
      { revoked: [{ serialNumber: "00", revocationDate: date }] },
      { nextUpdate: thisUpdate },
      { crlNumber: -1n },
    ];
    for (const overrides of cases) {
      expect((await gdsErrorOfAsync(() => build(overrides))).code).toBe("InvalidArgument");
    }
  });

  it("refuses to sign with a key that is not the issuer certificate's", async () => {
    const error = await gdsErrorOfAsync(() => build({ signer: createSoftwareSigner() }));
    expect(error.code).toBe("InvalidState");
  });

  it("builds a CRL of 100,000 entries that openssl verifies", async () => {
    const revoked = Array.from({ length: 100_000 }, (_, index) => ({
      serialNumber: generateSerialNumber(),
      revocationDate: new Date(thisUpdate.getTime() - index * 1000),
      reason: index % 3 === 0 ? ("keyCompromise" as const) : undefined,
    }));
    const der = await build({ revoked });

    const verified = openssl([
      "crl",
      "-inform",
      "DER",
      "-in",
      save(der),
      "-CAfile",
      ca.pemFile,
      "-noout",
    ]);
    expect(verified.stderr + verified.stdout).toContain("verify OK");
    // openssl's own listing, counted, and the last entry read back.
    const listing = scratch.file("large.txt");
    opensslOk(["crl", "-inform", "DER", "-in", save(der), "-noout", "-text", "-out", listing]);
    const text = scratch.read("large.txt").toString("latin1");
    expect(text.match(/Serial Number: /g)).toHaveLength(100_000);
    expect(text).toContain(`Serial Number: ${revoked[99_999]!.serialNumber.toUpperCase()}\n`);
  });
});
