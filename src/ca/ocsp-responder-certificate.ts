import type { Signer } from "../keys/signer.js";
import { buildCertificate } from "./certificate-builder.js";
import {
  authorityKeyIdentifier,
  basicConstraints,
  extendedKeyUsage,
  keyUsage,
  ocspNoCheck,
  subjectKeyIdentifierExtension,
} from "./certificate-extensions.js";
import { issuerFor } from "./issuer-certificate.js";
import { subjectKeyIdentifier } from "./subject-public-key-info.js";

export interface OcspResponderCertificateRequest {
  /** The CA key. */
  readonly signer: Signer;
  readonly issuerCertificateDer: Uint8Array;
  /** Subject Name DER. */
  readonly subject: Buffer;
  /** The responder's key (in the HSM under its own label). */
  readonly publicKeyInfo: Buffer;
  readonly serialNumber: string;
  readonly notBefore: Date;
  readonly notAfter: Date;
}

/**
 * A delegated OCSP responder certificate (RFC 6960 4.2.2.2): issued directly by the CA whose
 * certificates it answers for, id-kp-OCSPSigning, and id-pkix-ocsp-nocheck so that clients do
 * not ask about the responder itself. Nocheck means it cannot usefully be revoked, hence its
 * short life (the caller chooses notAfter) and a key that never leaves the HSM.
 */
export async function issueOcspResponderCertificate(
  request: OcspResponderCertificateRequest,
): Promise<Buffer> {
  const issuer = issuerFor(request.signer, request.issuerCertificateDer);
  const notAfter = request.notAfter > issuer.notAfter ? issuer.notAfter : request.notAfter;
  return buildCertificate(request.signer, {
    serialNumber: request.serialNumber,
    issuer: issuer.subject,
    notBefore: request.notBefore,
    notAfter,
    subject: request.subject,
    publicKeyInfo: request.publicKeyInfo,
    extensions: [
      basicConstraints(false),
      keyUsage(["digitalSignature"], true),
      extendedKeyUsage(["OCSPSigning"], false),
      ocspNoCheck(),
      subjectKeyIdentifierExtension(subjectKeyIdentifier(request.publicKeyInfo)),
      authorityKeyIdentifier(issuer.keyIdentifier),
    ],
  });
}
