import { createHash, createPublicKey, type KeyObject } from "node:crypto";
import { GdsError } from "../core/errors.js";
import { DerReader } from "./der-reader.js";
import { tags } from "./der-writer.js";
import type { KeyAlgorithm } from "./signature-algorithm.js";

/** Curves by the names OPC UA Part 12 uses for its ECC certificate types. */
export type NamedCurve = "nistP256" | "nistP384" | "brainpoolP256r1" | "brainpoolP384r1";

export const namedCurves: readonly NamedCurve[] = [
  "nistP256",
  "nistP384",
  "brainpoolP256r1",
  "brainpoolP384r1",
];

// node:crypto reports OpenSSL's short names.
const curvesByOpenSslName: Record<string, { curve: NamedCurve; bits: number }> = {
  prime256v1: { curve: "nistP256", bits: 256 },
  secp384r1: { curve: "nistP384", bits: 384 },
  brainpoolP256r1: { curve: "brainpoolP256r1", bits: 256 },
  brainpoolP384r1: { curve: "brainpoolP384r1", bits: 384 },
};

export interface SubjectPublicKey {
  readonly publicKey: KeyObject;
  readonly keyAlgorithm: KeyAlgorithm;
  /** RSA modulus length, or the field size of the curve. */
  readonly keyBits: number;
  readonly curve?: NamedCurve;
}

/** Loads a SubjectPublicKeyInfo (DER) and says what kind of key it is. */
export function readSubjectPublicKey(publicKeyInfo: Buffer): SubjectPublicKey {
  let publicKey: KeyObject;
  try {
    publicKey = createPublicKey({ key: publicKeyInfo, format: "der", type: "spki" });
  } catch (error) {
    throw new GdsError("InvalidArgument", "public key does not parse", error);
  }

  const details = publicKey.asymmetricKeyDetails ?? {};
  if (publicKey.asymmetricKeyType === "rsa" && details.modulusLength !== undefined) {
    return { publicKey, keyAlgorithm: "RSA", keyBits: details.modulusLength };
  }

  const named = details.namedCurve ? curvesByOpenSslName[details.namedCurve] : undefined;
  if (publicKey.asymmetricKeyType === "ec" && named) {
    return { publicKey, keyAlgorithm: "EC", keyBits: named.bits, curve: named.curve };
  }
  throw new GdsError("InvalidArgument", "unsupported public key algorithm");
}

/**
 * keyIdentifier by RFC 5280 4.2.1.2 method (1): SHA-1 of the subjectPublicKey BIT STRING value.
 * The same value serves as SKI of a certificate and as AKI of what its key signs.
 */
export function subjectKeyIdentifier(publicKeyInfo: Buffer): Buffer {
  const outer = DerReader.of(publicKeyInfo);
  const spki = outer.read(tags.sequence);
  outer.expectDone();

  const fields = outer.children(spki);
  fields.read(tags.sequence);
  const subjectPublicKey = fields.readBitStringOctets();
  fields.expectDone();
  return createHash("sha1").update(subjectPublicKey).digest();
}
