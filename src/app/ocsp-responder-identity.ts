import { X509Certificate } from "node:crypto";
import { ocspResponderId, type CertificateAuthority } from "../ca/authority.js";
import type { AuditTrail } from "../core/audit-trail.js";
import type { Clock } from "../core/clock.js";
import type { Hsm } from "../keys/hsm.js";
import type { ResponderIdentity } from "../ocsp/ocsp-responder.js";
import type { GdsStore } from "../store/store.js";

/** The responder's own key in the token, apart from the CA key. */
export const ocspKeyLabel = "ocsp";
const dayMs = 86_400_000;
/** Short, since a nocheck certificate cannot usefully be revoked; renewed at half-life. */
const validityDays = 30;

/**
 * The delegated OCSP responder: its RSA key generated in the HSM under its own label on first
 * start, and a certificate from our CA for it, re-issued when missing, past half its life, or
 * made for another key.
 */
export async function ensureResponderIdentity(
  hsm: Hsm,
  authority: CertificateAuthority,
  store: GdsStore,
  clock: Clock,
  audit: AuditTrail,
): Promise<ResponderIdentity> {
  const { signer } = await hsm.caSigner(ocspKeyLabel, 2048);
  const records = await store.certificates.listForApplication(ocspResponderId);
  const renewAt = clock.now().getTime() + (validityDays / 2) * dayMs;
  const current = records
    .filter((record) => !record.revokedAt && Date.parse(record.notAfter) > renewAt
      && record.authorityKeyId === authority.authorityKeyId())
    .map((record) => Buffer.from(record.der, "base64"))
    .find((der) => publicKeyInfo(der).equals(signer.publicKeyInfo));
  const certificateDer = current ?? await issue();
  async function issue(): Promise<Buffer> {
    const record = await authority.issueOcspResponder(signer.publicKeyInfo, validityDays);
    await audit.record("certificate.issued", "security-handler", {
      applicationId: record.applicationId, serialNumber: record.serialNumber,
      thumbprint: record.thumbprint, certificateTypeId: record.certificateTypeId,
    });
    return Buffer.from(record.der, "base64");
  }
  const notAfter = new Date(new X509Certificate(certificateDer).validTo);
  return { signer, certificateDer, notAfter };
}

function publicKeyInfo(der: Buffer): Buffer {
  return new X509Certificate(der).publicKey.export({ type: "spki", format: "der" });
}
