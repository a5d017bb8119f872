import { createHash, X509Certificate } from "node:crypto";
import { GdsError } from "../core/errors.js";
import type { IssuedCertificateRecord } from "../core/records.js";

/**
 * Public keys of certificates revoked for keyCompromise: such a key is never certified again,
 * whoever asks and through whichever front-end. Held in memory, rebuilt from the store at
 * start; revocations are rare, so the set stays small.
 */
export class CompromisedKeys {
  private readonly digests = new Set<string>();

  static from(revoked: IssuedCertificateRecord[]): CompromisedKeys {
    const keys = new CompromisedKeys();
    for (const record of revoked) keys.add(record);
    return keys;
  }

  add(record: IssuedCertificateRecord): void {
    if (record.revocationReason !== "keyCompromise") return;
    const certificate = new X509Certificate(Buffer.from(record.der, "base64"));
    this.digests.add(digest(certificate.publicKey.export({ type: "spki", format: "der" })));
  }

  refuse(publicKeyInfo: Buffer): void {
    if (this.digests.has(digest(publicKeyInfo))) {
      throw new GdsError("InvalidArgument", "the key of the request was revoked as compromised");
    }
  }
}

function digest(publicKeyInfo: Buffer): string {
  return createHash("sha256").update(publicKeyInfo).digest("hex");
}
