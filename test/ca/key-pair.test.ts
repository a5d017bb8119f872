import { createPublicKey } from "node:crypto";
import { afterAll, describe, expect, it } from "vitest";
import type { KeyConstraint } from "../../src/ca/certificate-profile.js";
import { generateKeyPair } from "../../src/ca/key-pair.js";
import { gdsErrorOfAsync } from "./gds-error.js";
import { opensslOk, ScratchDirectory } from "./openssl.js";

describe("generateKeyPair", () => {
  const scratch = new ScratchDirectory();
  afterAll(() => scratch.remove());

  /** openssl's description of the public key, and whether the private key belongs to it. */
  async function generated(constraint: KeyConstraint): Promise<string> {
    const { publicKeyInfo, privateKey } = await generateKeyPair(constraint);
    const fromPrivate = createPublicKey(privateKey).export({ format: "der", type: "spki" });
    expect(fromPrivate.equals(publicKeyInfo)).toBe(true);

    const file = scratch.write("key.der", publicKeyInfo);
    return opensslOk(["pkey", "-pubin", "-inform", "DER", "-in", file, "-noout", "-text"]);
  }

  it("makes RSA keys of 2048 bits where the certificate type allows them", async () => {
    expect(await generated({ algorithm: "RSA", minBits: 2048, maxBits: 4096 })).toContain(
      "Public-Key: (2048 bit)",
    );
    // RsaMinApplicationCertificateType allows 1024 bits; the GDS still makes 2048.
    expect(await generated({ algorithm: "RSA", minBits: 1024, maxBits: 2048 })).toContain(
      "Public-Key: (2048 bit)",
    );
  });

  it("makes RSA keys of the type's minimum when that is above 2048 bits", async () => {
    const text = await generated({ algorithm: "RSA", minBits: 3072, maxBits: 4096 });
    expect(text).toContain("Public-Key: (3072 bit)");
    expect(text).toContain("Exponent: 65537");
  });

  it("makes EC keys on the first curve the certificate type lists", async () => {
    expect(await generated({ algorithm: "EC", curves: ["nistP256", "nistP384"] })).toContain(
      "NIST CURVE: P-256",
    );
    expect(await generated({ algorithm: "EC", curves: ["nistP384"] })).toContain(
      "NIST CURVE: P-384",
    );
    expect(await generated({ algorithm: "EC", curves: ["brainpoolP256r1"] })).toContain(
      "ASN1 OID: brainpoolP256r1",
    );
  });

  it("refuses a certificate type that lists no curve", async () => {
    const error = await gdsErrorOfAsync(() => generateKeyPair({ algorithm: "EC", curves: [] }));
    expect(error.code).toBe("InvalidState");
  });
});
