import { createHash } from "node:crypto";
import type { TrustListContent } from "../core/issuing.js";
import type { PushTargetRecord } from "../core/push-records.js";

/** What the push engine reads of the CA for a trust list. */
export interface TrustListSource {
  trustList(certificateGroupId: string): TrustListContent;
}

/**
 * The trust list a target gets for its group: our CA and its current CRL (what the pull side
 * serves for the group), plus the certificates an administrator trusts for this target only.
 */
export function composeTrustList(source: TrustListSource, target: PushTargetRecord) {
  const base = source.trustList(target.certificateGroupId);
  const extra = target.extraTrustedCertificates.map((der) => Buffer.from(der, "base64"));
  const content: TrustListContent = {
    ...base,
    trustedCertificates: [...base.trustedCertificates, ...extra],
  };
  return { content, digest: trustListDigest(content) };
}

/** Order-sensitive digest of every part: any change in what the target should hold shows. */
function trustListDigest(content: TrustListContent): string {
  const hash = createHash("sha256");
  const parts = [content.trustedCertificates, content.trustedCrls,
    content.issuerCertificates, content.issuerCrls];
  for (const part of parts) {
    hash.update(String(part.length));
    for (const der of part) hash.update(createHash("sha256").update(der).digest());
  }
  return hash.digest("hex");
}
