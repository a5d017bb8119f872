import { generateKeyPair as generateNodeKeyPair, type KeyObject } from "node:crypto";
import { promisify } from "node:util";
import { GdsError } from "../core/errors.js";
import type { KeyConstraint } from "./certificate-profile.js";
import type { NamedCurve } from "./subject-public-key-info.js";

/** A key pair the GDS makes for an application (StartNewKeyPairRequest). */
export interface GeneratedKeyPair {
  /** SubjectPublicKeyInfo DER, ready for issueApplicationCertificate. */
  readonly publicKeyInfo: Buffer;
  readonly privateKey: KeyObject;
}

/** RSA size when the certificate type allows it: the common floor of today's OPC UA stacks. */
const preferredRsaBits = 2048;

// node:crypto takes OpenSSL's curve names.
const openSslCurveNames: Record<NamedCurve, string> = {
  nistP256: "prime256v1",
  nistP384: "secp384r1",
  brainpoolP256r1: "brainpoolP256r1",
  brainpoolP384r1: "brainpoolP384r1",
};

const generate = promisify(generateNodeKeyPair);

/**
 * Generates a key pair that fits a certificate type's key constraint: RSA of 2048 bits, or
 * of the type's minimum when that is larger (never more than its maximum); EC on the first
 * curve the type lists. Runs in libuv's thread pool, so the event loop keeps serving while
 * an RSA key is found (about half a second for 2048 bits on a slow machine).
 */
export async function generateKeyPair(constraint: KeyConstraint): Promise<GeneratedKeyPair> {
  const { publicKey, privateKey } = await generateFor(constraint);
  return { publicKeyInfo: publicKey.export({ format: "der", type: "spki" }), privateKey };
}

function generateFor(constraint: KeyConstraint) {
  if (constraint.algorithm === "RSA") {
    const modulusLength = Math.min(
      Math.max(preferredRsaBits, constraint.minBits),
      constraint.maxBits,
    );
    return generate("rsa", { modulusLength, publicExponent: 0x10001 });
  }

  const curve = constraint.curves[0];
  if (!curve) throw new GdsError("InvalidState", "the certificate type allows no curve");
  return generate("ec", { namedCurve: openSslCurveNames[curve] });
}
