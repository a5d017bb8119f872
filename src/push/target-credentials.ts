import { createPrivateKey, X509Certificate, type KeyObject } from "node:crypto";
import { GdsError } from "../core/errors.js";
import type { PushCredentials } from "../core/push-records.js";
import type { SecretSealer } from "../keys/secret-sealer.js";
import type { TargetUserIdentity } from "./push-target-port.js";

/** The credential an administrator gives for a target: a user name or an X.509 user. */
export type TargetCredentialInput =
  | { userName: string; password: string }
  | { userCertificate: Buffer; userPrivateKey: Buffer };

/** The sealed secret's binding: it opens only for the target it was stored with. */
export function credentialBinding(applicationId: string): string {
  return `push-target:${applicationId}`;
}

/**
 * Checks the credential and seals its secret. An X.509 key is stored as PKCS#8 PEM whatever
 * form it came in (PEM PKCS#1/PKCS#8 or DER PKCS#8), and must be the certificate's key: a
 * mismatch would only show up later as BadUserSignatureInvalid on the target.
 */
export async function sealCredentials(
  sealer: SecretSealer,
  applicationId: string,
  input: TargetCredentialInput,
): Promise<PushCredentials> {
  const binding = credentialBinding(applicationId);
  if ("userName" in input) {
    if (!input.userName || !input.password) {
      throw new GdsError("InvalidArgument", "UserName and Password are required");
    }
    const sealedPassword = await sealer.seal(Buffer.from(input.password, "utf8"), binding);
    return { kind: "userName", userName: input.userName, sealedPassword };
  }
  const certificate = parseCertificate(input.userCertificate);
  const key = parsePrivateKey(input.userPrivateKey);
  // The GDS signs in over Basic256Sha256 only, whose user token signature is RSA.
  if (key.asymmetricKeyType !== "rsa") {
    throw new GdsError("InvalidArgument", "the user key must be an RSA key");
  }
  if (!certificate.checkPrivateKey(key)) {
    throw new GdsError("InvalidArgument",
      "the private key does not belong to the user certificate");
  }
  const pem = key.export({ format: "pem", type: "pkcs8" }) as string;
  return {
    kind: "x509",
    userCertificate: certificate.raw.toString("base64"),
    sealedPrivateKey: await sealer.seal(Buffer.from(pem, "ascii"), binding),
  };
}

/** Opens the sealed secret: the identity to sign in with, for this attempt only. */
export async function openIdentity(
  sealer: SecretSealer,
  applicationId: string,
  credentials: PushCredentials,
): Promise<TargetUserIdentity> {
  const binding = credentialBinding(applicationId);
  if (credentials.kind === "userName") {
    const password = await sealer.open(credentials.sealedPassword, binding);
    return {
      kind: "userName", userName: credentials.userName, password: password.toString("utf8"),
    };
  }
  const key = await sealer.open(credentials.sealedPrivateKey, binding);
  return {
    kind: "x509",
    certificate: Buffer.from(credentials.userCertificate, "base64"),
    privateKeyPem: key.toString("ascii"),
  };
}

/** Who the GDS signs in as, safe to show: the user name, or the certificate's subject. */
export function credentialUser(credentials: PushCredentials): string {
  if (credentials.kind === "userName") return credentials.userName;
  return new X509Certificate(Buffer.from(credentials.userCertificate, "base64")).subject
    .split("\n").join(", ");
}

function parseCertificate(der: Buffer): X509Certificate {
  try {
    return new X509Certificate(der);
  } catch {
    throw new GdsError("CertificateInvalid", "the user certificate does not parse");
  }
}

function parsePrivateKey(data: Buffer): KeyObject {
  try {
    const pem = data.toString("ascii");
    return pem.includes("-----BEGIN")
      ? createPrivateKey({ key: pem, format: "pem" })
      : createPrivateKey({ key: data, format: "der", type: "pkcs8" });
  } catch {
    // The parser's message may quote key material: say only what is wrong.
    throw new GdsError("InvalidArgument", "the user private key does not parse (PEM or PKCS#8)");
  }
}
