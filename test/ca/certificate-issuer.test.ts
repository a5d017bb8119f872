import { createHash, generateKeyPairSync } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { issueApplicationCertificate } from "../../src/ca/certificate-issuer.js";
import type { ApplicationCertificateRequest } from "../../src/ca/certificate-issuer.js";
import {
  loadCertificateProfiles,
  type CertificateProfile,
} from "../../src/ca/certificate-profile.js";
import { parseCertificationRequest } from "../../src/ca/certification-request.js";
import { objectIdentifier, sequence, setOf, tags, tlv } from "../../src/ca/der-writer.js";
import { encodePem } from "../../src/ca/pem.js";
import { generateSerialNumber } from "../../src/ca/serial-number.js";
import { gdsErrorOfAsync } from "./gds-error.js";
import { handmadeRequest } from "./handmade-request.js";
import {
  asn1Elements,
  elementBytes,
  opensslOk,
  opensslRequest,
  ScratchDirectory,
} from "./openssl.js";
import { createSoftwareSigner } from "./software-signer.js";
import { createTestCa, type TestCa } from "./test-ca.js";

const applicationUri = "urn:example:security-handler:test-app";

describe("issueApplicationCertificate", () => {
  const scratch = new ScratchDirectory();
  let ca: TestCa;
  let profile: CertificateProfile;
  let request: Buffer;

  beforeAll(async () => {
    ca = await createTestCa(scratch);
    profile = (await loadCertificateProfiles()).get("RsaSha256ApplicationCertificateType")!;
    request = opensslRequest(scratch, {
      subject: "/CN=Test App/O=Tests/DC=example",
      subjectAltName: `URI:${applicationUri}`,
    });
  });
  afterAll(() => scratch.remove());

  function issue(overrides: Partial<ApplicationCertificateRequest> = {}): Promise<Buffer> {
    const csr = parseCertificationRequest(request);
    return issueApplicationCertificate({
      signer: ca.signer,
      issuer: { certificateDer: ca.certificateDer },
      subject: csr.subject,
      publicKeyInfo: csr.publicKeyInfo,
      applicationUri,
      dnsNames: ["app.example", "app"],
      ipAddresses: ["192.0.2.7", "2001:db8::7"],
      profile,
      serialNumber: generateSerialNumber(),
      notBefore: new Date(Date.now() - 60_000),
      ...overrides,
    });
  }

  function save(der: Buffer): string {
    const name = `cert-${Math.random().toString(16).slice(2)}.pem`;
    return scratch.write(name, encodePem(der, "CERTIFICATE"));
  }

  it("issues a certificate that openssl verifies strictly for TLS server and client", async () => {
    const file = save(await issue());

    for (const purpose of ["sslserver", "sslclient"]) {
      const args = ["verify", "-x509_strict", "-purpose", purpose, "-CAfile", ca.pemFile, file];
      expect(opensslOk(args)).toContain(": OK");
    }
  });

  it("carries the extensions an OPC UA application instance certificate needs", async () => {
    const text = opensslOk(["x509", "-in", save(await issue()), "-noout", "-text"]);

    expect(text).toContain("Version: 3 (0x2)");
    expect(text).toMatch(/Basic Constraints: critical\s+CA:FALSE/);
    const usages = "Digital Signature, Non Repudiation, Key Encipherment, Data Encipherment";
    expect(text).toMatch(new RegExp(`Key Usage: critical\\s+${usages}\\n`));
    expect(text).toMatch(
      /Extended Key Usage: \s+TLS Web Server Authentication, TLS Web Client Authentication\n/,
    );
    expect(text).toMatch(
      new RegExp(
        `Subject Alternative Name: \\s+URI:${applicationUri}, DNS:app.example, DNS:app, ` +
          "IP Address:192.0.2.7, IP Address:2001:DB8:0:0:0:0:0:7\\n",
      ),
    );
    expect(text).toContain("Signature Algorithm: sha256WithRSAEncryption");
  });

  it("links to the CA by AKI and names its key by SKI (SHA-1 of the key bits)", async () => {
    const der = await issue();
    const text = opensslOk(["x509", "-in", save(der), "-noout", "-text"]);
    const caText = opensslOk(["x509", "-in", ca.pemFile, "-noout", "-text"]);
    const keyId = (found: RegExpExecArray | null) => found?.[1]?.replace(/:/g, "").toLowerCase();

    const caSki = keyId(/Subject Key Identifier: \s+([0-9A-F:]+)/.exec(caText));
    expect(keyId(/Authority Key Identifier: \s+(?:keyid:)?([0-9A-F:]+)/.exec(text))).toBe(caSki);

    const spki = asn1Elements(request, 3, scratch).find((element) => element.kind === "BIT STRING");
    const keyBits = elementBytes(request, spki!).subarray(spki!.headerLength + 1);
    const expected = createHash("sha1").update(keyBits).digest("hex");
    expect(keyId(/Subject Key Identifier: \s+([0-9A-F:]+)/.exec(text))).toBe(expected);
  });

  it("copies the CSR's subject into the certificate byte for byte", async () => {
    const der = await issue();

    const csrSubject = elementBytes(request, asn1Elements(request, 2, scratch)[1]!);
    const certificateSubject = elementBytes(der, asn1Elements(der, 2, scratch)[5]!);
    expect(certificateSubject.equals(csrSubject)).toBe(true);
  });

  it("keeps an unusual subject encoding byte for byte, and openssl still verifies it", async () => {
    // PrintableString, T61String and BMPString values, and a multi-valued RDN whose SET is in
    // non-DER order: re-encoding it would change the bytes and break the requester's matching.
    const { privateKey, publicKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
    const attribute = (oid: string, tag: number, value: Buffer) =>
      sequence(objectIdentifier(oid), tlv(tag, value));
    const unsortedRdn = tlv(
      tags.set,
      attribute("2.5.4.3", tags.printableString, Buffer.from("Zed App")),
      attribute("2.5.4.11", tags.t61String, Buffer.from("Unit")),
    );
    const subject = sequence(
      setOf(attribute("2.5.4.10", tags.bmpString, Buffer.from("\u0000O\u0000r\u0000g", "latin1"))),
      unsortedRdn,
    );
    const publicKeyInfo = publicKey.export({ format: "der", type: "spki" });
    const csr = parseCertificationRequest(handmadeRequest({ subject, privateKey, publicKeyInfo }));

    const der = await issue({ subject: csr.subject, publicKeyInfo: csr.publicKeyInfo });

    expect(elementBytes(der, asn1Elements(der, 2, scratch)[5]!).equals(subject)).toBe(true);
    expect(opensslOk(["verify", "-x509_strict", "-CAfile", ca.pemFile, save(der)])).toContain("OK");
  });

  it("copies the issuer Name from the CA certificate's subject byte for byte", async () => {
    const der = await issue();

    const caSubject = elementBytes(
      ca.certificateDer,
      asn1Elements(ca.certificateDer, 2, scratch)[5]!,
    );
    expect(elementBytes(der, asn1Elements(der, 2, scratch)[3]!).equals(caSubject)).toBe(true);
  });

  it("uses the given serial number and the profile's validity", async () => {
    const serialNumber = generateSerialNumber();
    const notBefore = new Date("2030-01-01T00:00:00Z");
    const file = save(await issue({ serialNumber, notBefore }));

    const out = opensslOk(["x509", "-in", file, "-noout", "-serial", "-startdate", "-enddate"]);
    expect(out).toContain(`serial=${serialNumber.toUpperCase()}`);
    expect(out).toContain("notBefore=Jan  1 00:00:00 2030 GMT");
    expect(out).toContain("notAfter=Jan  1 00:00:00 2031 GMT");
  });

  it("writes UTCTime before 2050 and GeneralizedTime from 2050 on", async () => {
    const longCa = await createTestCa(scratch, new Date("2040-01-01T00:00:00Z"));
    const der = await issue({
      signer: longCa.signer,
      issuer: { certificateDer: longCa.certificateDer },
      notBefore: new Date("2049-12-31T23:59:59Z"),
      notAfter: new Date("2050-01-01T00:00:00Z"),
    });

    const validity = asn1Elements(der, 3, scratch).filter((element) => /TIME/.test(element.kind));
    expect(validity.map((element) => element.kind).slice(0, 2)).toEqual([
      "UTCTIME",
      "GENERALIZEDTIME",
    ]);
    const args = ["verify", "-x509_strict", "-attime", "2524607999", "-CAfile", longCa.pemFile];
    expect(opensslOk([...args, save(der)])).toContain("OK");
  });

  it("does not let a certificate outlive its issuer", async () => {
    const file = save(await issue({ notAfter: new Date("2099-01-01T00:00:00Z") }));

    const caEnd = opensslOk(["x509", "-in", ca.pemFile, "-noout", "-enddate"]);
    expect(opensslOk(["x509", "-in", file, "-noout", "-enddate"])).toBe(caEnd);
  });

  it("marks the SAN critical when the subject is empty, as RFC 5280 requires", async () => {
    const der = await issue({ subject: sequence() });
    const file = save(der);

    expect(opensslOk(["x509", "-in", file, "-noout", "-text"])).toMatch(
      /Subject Alternative Name: critical/,
    );
    expect(opensslOk(["verify", "-x509_strict", "-CAfile", ca.pemFile, file])).toContain("OK");
  });

  it("refuses to sign with a key that is not the issuer certificate's", async () => {
    const error = await gdsErrorOfAsync(() => issue({ signer: createSoftwareSigner() }));
    expect(error.code).toBe("InvalidState");
  });

  it("refuses an issuer certificate that is not a CA certificate", async () => {
    const endEntity = await issue();
    const error = await gdsErrorOfAsync(() => issue({ issuer: { certificateDer: endEntity } }));
    expect(error.code).toBe("InvalidState");
  });

  it("refuses a profile whose signature algorithm the CA key cannot make", async () => {
    const ecc = { ...profile, signatureAlgorithm: "ecdsaWithSHA256" } as const;
    expect((await gdsErrorOfAsync(() => issue({ profile: ecc }))).code).toBe("InvalidState");
  });

  it("refuses malformed names and addresses with InvalidArgument", async () => {
    const cases: Partial<ApplicationCertificateRequest>[] = [
      { ipAddresses: ["192.0.2.256"] },
      { ipAddresses: ["fe80::1%eth0"] },
      { dnsNames: ["not a host"] },
      { subject: Buffer.from([0x30, 0x05, 0x31]) },
    ];
    for (const overrides of cases) {
      expect((await gdsErrorOfAsync(() => issue(overrides))).code).toBe("InvalidArgument");
    }
  });

  it("refuses a non-ASCII ApplicationUri with CertificateUriInvalid", async () => {
    const error = await gdsErrorOfAsync(() => issue({ applicationUri: "urn:exämple" }));
    expect(error.code).toBe("CertificateUriInvalid");
  });
});
