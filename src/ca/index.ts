/**
 * The CA core's public surface. Front-ends and the composition root import from here; the DER
 * reader and writer and the other building blocks stay internal to src/ca.
 */
export { loadCaProfile, parseCaProfile, type CaKey, type CaProfile } from "./ca-profile.js";
export {
  issueApplicationCertificate,
  type ApplicationCertificateRequest,
} from "./certificate-issuer.js";
export {
  defaultProfileDirectory,
  loadCertificateProfile,
  loadCertificateProfiles,
  parseCertificateProfile,
  type CertificateProfile,
  type KeyConstraint,
} from "./certificate-profile.js";
export {
  checkCertificationRequest,
  type CertificationRequestContext,
} from "./certification-request-check.js";
export { parseCertificationRequest, type CertificationRequest } from "./certification-request.js";
export {
  buildCrl,
  revocationReasons,
  type CrlRequest,
  type RevocationReason,
  type RevokedCertificate,
} from "./crl-builder.js";
export { readIssuerCertificate, type IssuerCertificate } from "./issuer-certificate.js";
export { decodePem, encodePem, type PemLabel } from "./pem.js";
export { createRootCertificate, type RootCertificateRequest } from "./root-certificate.js";
export {
  encodeSerialNumber,
  generateSerialNumber,
  normalizeSerialNumber,
} from "./serial-number.js";
export type { SignatureAlgorithmName } from "./signature-algorithm.js";
export type { NamedCurve } from "./subject-public-key-info.js";
export { thumbprint } from "./thumbprint.js";
