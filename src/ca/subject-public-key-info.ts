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

const rsaEncryption = "1.2.840.113549.1.1.1";

/** The parts of a SubjectPublicKeyInfo (RFC 5280 4.1.2.7), read strictly. */
interface PublicKeyInfoParts {
  readonly algorithm: string;
  /** The AlgorithmIdentifier parameters as a whole TLV, if present. */
  readonly parameters?: Buffer;
  /** The subjectPublicKey BIT STRING value, without the unused-bits octet. */
  readonly subjectPublicKey: Buffer;
}

function splitPublicKeyInfo(publicKeyInfo: Buffer): PublicKeyInfoParts {
  const outer = DerReader.of(publicKeyInfo);
  const fields = outer.children(outer.read(tags.sequence));
  outer.expectDone();

  const algorithmIdentifier = fields.children(fields.read(tags.sequence));
  const algorithm = algorithmIdentifier.readObjectIdentifier();
  const parameters = algorithmIdentifier.done
    ? undefined
    : algorithmIdentifier.encoded(algorithmIdentifier.read());
  algorithmIdentifier.expectDone();
  const subjectPublicKey = fields.readBitStringOctets();
  fields.expectDone();
  return { algorithm, parameters, subjectPublicKey };
}

/** Loads a SubjectPublicKeyInfo (DER) and says what kind of key it is. */
export function readSubjectPublicKey(publicKeyInfo: Buffer): SubjectPublicKey {
  const parts = splitPublicKeyInfo(publicKeyInfo);
  let publicKey: KeyObject;
  try {
    // OpenSSL 3 decodes a DER SPKI through its generic decoder framework at ~0.15 ms a key,
    // most of the CA's own cost per certificate. RSA keys take the direct PKCS#1 path (~0.01 ms)
    // after the SPKI around them has been checked here.
    publicKey =
      parts.algorithm === rsaEncryption
        ? createPublicKey({ key: rsaPublicKey(parts), format: "der", type: "pkcs1" })
        : createPublicKey({ key: publicKeyInfo, format: "der", type: "spki" });
  } catch (error) {
    throw new GdsError("InvalidArgument", "public key does not parse", error);
  }

  const details = publicKey.asymmetricKeyDetails ?? {};
  // e = 3 and other small exponents invite padding attacks; every current stack uses 65537.
  if (publicKey.asymmetricKeyType === "rsa" && (details.publicExponent ?? 0n) < 65537n) {
    throw new GdsError("InvalidArgument", "RSA public exponent below 65537");
  }
  if (publicKey.asymmetricKeyType === "rsa" && details.modulusLength !== undefined) {
    return { publicKey, keyAlgorithm: "RSA", keyBits: details.modulusLength };
  }

  const named = details.namedCurve ? curvesByOpenSslName[details.namedCurve] : undefined;
  if (publicKey.asymmetricKeyType === "ec" && named) {
    return { publicKey, keyAlgorithm: "EC", keyBits: named.bits, curve: named.curve };
  }
  throw new GdsError("InvalidArgument", "unsupported public key algorithm");
}

/** RSAPublicKey (RFC 8017 A.1.1) out of an rsaEncryption SPKI; both integers positive. */
function rsaPublicKey(parts: PublicKeyInfoParts): Buffer {
  // RFC 3279 2.3.1 asks for NULL parameters; some encoders leave them out altogether.
  const { parameters } = parts;
  if (parameters && !(parameters.length === 2 && parameters[0] === tags.null)) {
    throw new GdsError("InvalidArgument", "RSA key with parameters");
  }

  const outer = DerReader.of(parts.subjectPublicKey);
  const key = outer.children(outer.read(tags.sequence));
  outer.expectDone();
  for (const name of ["modulus", "publicExponent"]) {
    const integer = key.content(key.read(tags.integer));
    const negative = integer.length === 0 || (integer[0]! & 0x80) !== 0;
    const padded = integer.length > 1 && integer[0] === 0 && (integer[1]! & 0x80) === 0;
    if (negative || padded) throw new GdsError("InvalidArgument", `RSA ${name} malformed`);
  }
  key.expectDone();
  return parts.subjectPublicKey;
}

/** The subjectPublicKey BIT STRING value: what OCSP's issuerKeyHash and ResponderID hash. */
export function subjectPublicKeyBits(publicKeyInfo: Buffer): Buffer {
  return splitPublicKeyInfo(publicKeyInfo).subjectPublicKey;
}

/**
 * keyIdentifier by RFC 5280 4.2.1.2 method (1): SHA-1 of the subjectPublicKey BIT STRING value.
 * The same value serves as SKI of a certificate and as AKI of what its key signs.
 */
export function subjectKeyIdentifier(publicKeyInfo: Buffer): Buffer {
  const { subjectPublicKey } = splitPublicKeyInfo(publicKeyInfo);
  return createHash("sha1").update(subjectPublicKey).digest();
}
