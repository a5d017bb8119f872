import { generateKeyPairSync, type KeyObject } from "node:crypto";
import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { issueApplicationCertificate } from "../../src/ca/certificate-issuer.js";
import {
  loadCertificateProfiles,
  type CertificateProfile,
} from "../../src/ca/certificate-profile.js";
import { generateKeyPair } from "../../src/ca/key-pair.js";
import { encodePem } from "../../src/ca/pem.js";
import {
  packagePrivateKey,
  parsePrivateKeyFormat,
  type PrivateKeyPackageRequest,
} from "../../src/ca/private-key-package.js";
import { generateSerialNumber } from "../../src/ca/serial-number.js";
import { parseSubjectName } from "../../src/ca/subject-name.js";
import { gdsErrorOf } from "./gds-error.js";
import { openssl, opensslOk, ScratchDirectory } from "./openssl.js";
import { createTestCa, type TestCa } from "./test-ca.js";

describe("packagePrivateKey", () => {
  const scratch = new ScratchDirectory();
  let ca: TestCa;
  let profile: CertificateProfile;
  let rsa: { privateKey: KeyObject; certificate: Buffer };

  async function issueFor(publicKeyInfo: Buffer): Promise<Buffer> {
    return issueApplicationCertificate({
      signer: ca.signer,
      issuer: { certificateDer: ca.certificateDer },
      subject: parseSubjectName("CN=Line 1/O=Plant"),
      publicKeyInfo,
      applicationUri: "urn:plant:line-1",
      dnsNames: ["line-1.plant.example"],
      ipAddresses: [],
      profile,
      serialNumber: generateSerialNumber(),
      notBefore: new Date(Date.now() - 60_000),
    });
  }

  beforeAll(async () => {
    ca = await createTestCa(scratch);
    profile = (await loadCertificateProfiles()).get("RsaSha256ApplicationCertificateType")!;
    const { publicKeyInfo, privateKey } = await generateKeyPair(profile.key);
    rsa = { privateKey, certificate: await issueFor(publicKeyInfo) };
  });
  afterAll(() => scratch.remove());

  function packaged(overrides: Partial<PrivateKeyPackageRequest>): string {
    const request = { format: "PFX", ...rsa, issuerCertificates: [ca.certificateDer] } as const;
    const name = `package-${Math.random().toString(16).slice(2)}`;
    return scratch.write(name, packagePrivateKey({ ...request, ...overrides }));
  }

  /** The public key of the certificate, as openssl prints it, to compare keys with. */
  function certificatePublicKey(certificate: Buffer): string {
    const file = scratch.write("certificate.pem", encodePem(certificate, "CERTIFICATE"));
    return opensslOk(["x509", "-in", file, "-noout", "-pubkey"]);
  }

  /** Key and certificates out of a PFX, through openssl pkcs12 with the given password. */
  function openPfx(file: string, password: string) {
    const passin = ["-passin", `pass:${password}`];
    // pkcs12 -info writes what it finds to stderr.
    const result = openssl(["pkcs12", "-info", "-noout", "-in", file, ...passin]);
    expect(result.status, result.stderr).toBe(0);
    const info = result.stderr;
    const key = scratch.file("from-pfx.key");
    opensslOk(["pkcs12", "-in", file, ...passin, "-nocerts", "-nodes", "-out", key]);
    const certificates = opensslOk(["pkcs12", "-in", file, ...passin, "-nokeys"]);
    const leaf = opensslOk(["pkcs12", "-in", file, ...passin, "-nokeys", "-clcerts"]);
    const leafFile = scratch.write("leaf.pem", leaf);
    return {
      info,
      publicKey: opensslOk(["pkey", "-in", key, "-pubout"]),
      certificateCount: certificates.match(/BEGIN CERTIFICATE/g)?.length ?? 0,
      leafPublicKey: opensslOk(["x509", "-in", leafFile, "-noout", "-pubkey"]),
      leafSubject: opensslOk(["x509", "-in", leafFile, "-noout", "-subject"]),
    };
  }

  it("makes a PFX openssl opens with its password, holding key, certificate and chain", () => {
    const pfx = openPfx(packaged({ password: "Pässwörd 1" }), "Pässwörd 1");

    expect(pfx.publicKey).toBe(certificatePublicKey(rsa.certificate));
    expect(pfx.leafPublicKey).toBe(pfx.publicKey);
    expect(pfx.leafSubject).toContain("CN = Line 1");
    expect(pfx.certificateCount).toBe(2);
  });

  it("protects a PFX with AES-256-CBC, PBKDF2-HMAC-SHA256 and a SHA-256 MAC only", () => {
    const { info } = openPfx(packaged({ password: "secret" }), "secret");

    expect(info).toContain("MAC: sha256");
    const pbes2 = "PBES2, PBKDF2, AES-256-CBC, Iteration 2048, PRF hmacWithSHA256";
    expect(info).toContain(`PKCS7 Encrypted data: ${pbes2}`);
    expect(info).toContain(`Shrouded Keybag: ${pbes2}`);
    expect(info).not.toMatch(/RC2|3DES|DES-EDE|sha1/i);
  });

  it("makes a PFX with the empty password when none is given", () => {
    for (const password of [undefined, ""]) {
      const pfx = openPfx(packaged({ password }), "");
      expect(pfx.publicKey).toBe(certificatePublicKey(rsa.certificate));
    }
  });

  it("makes a PFX that openssl refuses to open with a wrong password", () => {
    const file = packaged({ password: "secret" });
    for (const password of ["Secret", ""]) {
      const result = openssl([
        "pkcs12",
        "-info",
        "-noout",
        "-in",
        file,
        "-passin",
        `pass:${password}`,
      ]);
      expect(result.status).not.toBe(0);
      expect(result.stderr).toContain("Mac verify error");
    }
  });

  it("packs EC keys into a PFX too", async () => {
    const { publicKeyInfo, privateKey } = await generateKeyPair({
      algorithm: "EC",
      curves: ["nistP256"],
    });
    const certificate = await issueFor(publicKeyInfo);
    const pfx = openPfx(packaged({ privateKey, certificate, password: "secret" }), "secret");
    expect(pfx.publicKey).toBe(certificatePublicKey(certificate));
  });

  it("writes a PEM PKCS#8 key without a password", () => {
    const file = packaged({ format: "PEM" });
    const text = readFileSync(file, "utf8");

    expect(text).toMatch(/^-----BEGIN PRIVATE KEY-----\n/);
    expect(text).not.toContain("CERTIFICATE");
    const publicKey = opensslOk(["pkey", "-in", file, "-pubout"]);
    expect(publicKey).toBe(certificatePublicKey(rsa.certificate));
  });

  it("writes an encrypted PEM PKCS#8 key that needs its password", () => {
    const file = packaged({ format: "PEM", password: "Pässwörd 1" });
    const text = readFileSync(file, "utf8");
    expect(text).toMatch(/^-----BEGIN ENCRYPTED PRIVATE KEY-----\n/);

    const dump = opensslOk(["asn1parse", "-in", file]);
    for (const part of ["PBES2", "PBKDF2", "hmacWithSHA256", "aes-256-cbc"]) {
      expect(dump).toContain(`:${part}`);
    }
    const publicKey = opensslOk(["pkey", "-in", file, "-passin", "pass:Pässwörd 1", "-pubout"]);
    expect(publicKey).toBe(certificatePublicKey(rsa.certificate));
    expect(openssl(["pkey", "-in", file, "-passin", "pass:wrong", "-pubout"]).status).not.toBe(0);
  });

  it("refuses formats other than PFX and PEM", () => {
    for (const format of ["DER", "pfx", "PKCS12", ""]) {
      const error = gdsErrorOf(() => parsePrivateKeyFormat(format));
      expect([error.code, error.message]).toEqual([
        "InvalidArgument",
        'PrivateKeyFormat is neither "PFX" nor "PEM"',
      ]);
      const asPackage = { format: format as "PFX" };
      expect(gdsErrorOf(() => packaged(asPackage)).code).toBe("InvalidArgument");
    }
    expect(parsePrivateKeyFormat("PEM")).toBe("PEM");
  });

  it("refuses passwords over 256 characters or with control characters", () => {
    expect(gdsErrorOf(() => packaged({ password: "x".repeat(257) })).message).toBe(
      "PrivateKeyPassword is longer than 256 characters",
    );
    expect(() => packaged({ password: "ü".repeat(256) })).not.toThrow();
    for (const password of ["a\0b", "a\nb"]) {
      expect(gdsErrorOf(() => packaged({ format: "PEM", password })).message).toBe(
        "PrivateKeyPassword holds control characters",
      );
    }
  });

  it("refuses to package a key with a certificate for another key", () => {
    const { privateKey } = generateKeyPairSync("ec", { namedCurve: "prime256v1" });
    const error = gdsErrorOf(() => packaged({ privateKey }));
    expect([error.code, error.message]).toEqual([
      "Internal",
      "the private key does not fit the certificate",
    ]);
  });
});
