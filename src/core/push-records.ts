/**
 * What the GDS keeps about the servers it manages by push (Part 12 "push model"): where to
 * reach each one, the sealed credentials it signs in with there, and what its last attempts did.
 */

/** certificate: trust list, then a new key pair and certificate. trustList: trust list only. */
export type PushKind = "certificate" | "trustList";

/**
 * Why an attempt failed, in terms an administrator can act on; see README "Push management".
 * Anything unforeseen is TargetError with the target's status code.
 */
export type PushOutcome =
  | "Succeeded"
  | "TargetUnreachable"
  | "TargetDoesNotTrustGds"
  | "TargetNotAuthentic"
  | "AccessDenied"
  | "TrustListTooLarge"
  | "ForeignApplicationUri"
  | "SigningRequestRefused"
  | "CertificateRefused"
  | "NotConfirmed"
  | "TargetError";

export interface PushStep {
  name: string;
  /** The target's status code name, or Good. */
  statusCode: string;
}

/** One push attempt, kept in the target's record (the newest few) and in the audit trail. */
export interface PushAttempt {
  at: string;
  kind: PushKind;
  outcome: PushOutcome;
  statusCode: string;
  message: string;
  steps: PushStep[];
  /** Serial number of the certificate delivered by a certificate push. */
  serialNumber?: string;
  /** CRL number written to the target's trust list. */
  crlNumber?: string;
}

/**
 * How the GDS signs in on the target; the secret part is sealed under a key in the HSM with
 * associatedData `push-target:<applicationId>`, so it opens only for that target.
 */
export type PushCredentials =
  | { kind: "userName"; userName: string; sealedPassword: string }
  | {
    /** An X509IdentityToken: the user certificate (base64 DER) and its sealed PKCS#8 PEM key. */
    kind: "x509";
    userCertificate: string;
    sealedPrivateKey: string;
  };

export interface PushTargetRecord {
  applicationId: string;
  endpointUrl: string;
  credentials: PushCredentials;
  certificateGroupId: string;
  /** DER (base64) of certificates an administrator trusts on this target besides our CA. */
  extraTrustedCertificates: string[];
  enabled: boolean;
  enabledBy: string;
  createdAt: string;
  /** Serial number of the certificate last delivered and confirmed. */
  serialNumber?: string;
  /** notAfter of that certificate: the renewal window counts back from it. */
  notAfter?: string;
  /** CRL number last written to the target's trust list. */
  crlNumber?: string;
  /** Digest of the trust list last written; a different composed list is due for a push. */
  trustListDigest?: string;
  /** Consecutive failures; the backoff grows with it and a success resets it. */
  failures: number;
  /** No automatic attempt before this time (backoff after failures). */
  retryAt?: string;
  attempts: PushAttempt[];
}
