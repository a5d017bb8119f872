import type { IssueInput, RevocationStatus, TrustListContent } from "../core/issuing.js";
import type { IssuedCertificateRecord } from "../core/records.js";

export type { IssueInput, RevocationStatus, TrustListContent };

/**
 * What the Part 12 logic needs of the certificate authority. The CA core satisfies it; the
 * GDS logic never sees keys, DER builders or the HSM.
 */
export interface Authority {
  /** Parses and checks a PKCS#10 request for an application and certificate type. */
  checkSigningRequest(csr: Buffer, applicationUri: string, certificateTypeId: string): {
    subject: Buffer;
    publicKeyInfo: Buffer;
    hosts: string[];
  };
  issueDirect(input: IssueInput): Promise<IssuedCertificateRecord>;
  revoke(serialNumbers: string[], reason: string, actor: string):
    Promise<IssuedCertificateRecord[]>;
  status(certificateDer: Buffer): Promise<{
    status: RevocationStatus;
    record?: IssuedCertificateRecord;
    validUntil: Date;
  }>;
  issuerCertificates(): Buffer[];
  trustList(certificateGroupId: string): TrustListContent;
  /** The SKI (hex) of the key the CA signs with now. */
  authorityKeyId(): string;
  /** Changes whenever the certificate type's profile changes. */
  policyId(certificateTypeId: string): string;
  /** The type's current minimum RSA key size; undefined for other key algorithms. */
  minimumKeyBits(certificateTypeId: string): number | undefined;
}
