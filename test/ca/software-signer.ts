import { generateKeyPairSync, sign, type KeyObject } from "node:crypto";
import type { Signer } from "../../src/keys/signer.js";

export interface SoftwareSigner extends Signer {
  readonly privateKey: KeyObject;
}

/**
 * A node:crypto Signer for these tests, standing in for the PKCS#11 one: same interface, same
 * algorithm (RSASSA-PKCS1-v1_5 with SHA-256), private key in process memory.
 */
export function createSoftwareSigner(modulusLength = 2048): SoftwareSigner {
  const { privateKey, publicKey } = generateKeyPairSync("rsa", { modulusLength });
  return {
    privateKey,
    publicKeyInfo: publicKey.export({ format: "der", type: "spki" }),
    signatureAlgorithm: "1.2.840.113549.1.1.11",
    sign: async (data) => sign("sha256", data, privateKey),
  };
}
