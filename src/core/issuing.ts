/** Values that pass between the Part 12 logic and the certificate authority. */

/** The content of a Part 12 TrustList, DER values. */
export interface TrustListContent {
  trustedCertificates: Buffer[];
  trustedCrls: Buffer[];
  issuerCertificates: Buffer[];
  issuerCrls: Buffer[];
}

/** A certificate to sign: the subject and key come from a checked request or a new key pair. */
export interface IssueInput {
  subject: Buffer;
  publicKeyInfo: Buffer;
  applicationUri: string;
  hosts: string[];
  applicationId: string;
  requestId: string;
  certificateGroupId: string;
  certificateTypeId: string;
}

export type RevocationStatus = "Good" | "Revoked" | "TimeInvalid" | "Unknown";
