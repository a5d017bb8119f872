import { createPublicKey, type KeyObject } from "node:crypto";
import { join } from "node:path";

/** The files of one audit trail. */
export interface AuditFiles {
  directory: string;
  /** One JSON record per line, appended only. */
  log: string;
  /** The signed seq and hash of the last record; lets a verifier see a cut-off tail. */
  head: string;
  /** The audit key's SubjectPublicKeyInfo, PEM, so that verification needs no HSM. */
  publicKey: string;
}

/** Where the GDS keeps its audit trail: DATA_DIR/audit. */
export function auditDirectory(dataDir: string): string {
  return join(dataDir, "audit");
}

export function auditFiles(directory: string): AuditFiles {
  return {
    directory,
    log: join(directory, "audit.log"),
    head: join(directory, "audit.head"),
    publicKey: join(directory, "audit-key.pem"),
  };
}

export function publicKeyPem(spkiDer: Buffer): string {
  const key = createPublicKey({ key: spkiDer, format: "der", type: "spki" });
  return key.export({ type: "spki", format: "pem" }).toString();
}

/** An RSA public key from SPKI PEM; anything else is refused, because records are RSA-signed. */
export function auditPublicKey(pem: string): KeyObject {
  const key = createPublicKey({ key: pem, format: "pem" });
  if (key.asymmetricKeyType !== "rsa") throw new Error("the audit key is not an RSA key");
  return key;
}
