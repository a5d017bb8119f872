import { randomUUID } from "node:crypto";
import type { CertificateAuthority } from "../src/ca/authority.js";

/** The registered application every benchmark certificate is issued to. */
export const application = {
  applicationId: "8c1f0d4e-6a53-4f5b-9d3e-2b7c9a1e0f42",
  applicationUri: "urn:security-handler:bench:issuance",
  certificateGroupId: "DefaultApplicationGroup",
  certificateTypeId: "RsaSha256ApplicationCertificateType",
};

/**
 * One issuance as StartSigningRequest drives the CA: the request checked against the
 * application's ApplicationUri and the type's profile, then signed and stored.
 */
export function issue(authority: CertificateAuthority, csr: Buffer) {
  const { applicationUri, certificateTypeId } = application;
  const checked = authority.checkSigningRequest(csr, applicationUri, certificateTypeId);
  return authority.issueDirect({ ...application, ...checked, requestId: randomUUID() });
}
