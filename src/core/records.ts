/**
 * The records the GDS keeps, in Part 12 terms. Binary values (DER) are stored as base64 strings
 * so that every store can hold them as plain JSON.
 */

export type ApplicationType = 0 | 1 | 2 | 3; // Server, Client, ClientAndServer, DiscoveryServer

export const ApplicationTypes = {
  Server: 0,
  Client: 1,
  ClientAndServer: 2,
  DiscoveryServer: 3,
} as const;

export interface LocalizedName {
  locale: string;
  text: string;
}

/** A registered application, as Part 12's ApplicationRecordDataType describes it. */
export interface ApplicationRecord {
  applicationId: string; // a GUID; the OPC UA front-end turns it into a NodeId
  /**
   * Part 12 RecordId for QueryApplications and QueryServers: taken from the store's counter
   * at registration, increasing, never reused. Absent only on records stored before it existed,
   * until the counter starts and numbers them.
   */
  recordId?: number;
  applicationUri: string;
  applicationType: ApplicationType;
  applicationNames: LocalizedName[];
  productUri: string;
  discoveryUrls: string[];
  serverCapabilities: string[];
  registeredAt: string;
  updatedAt: string;
}

/** The counter RecordIds come from; `resetAt` is Part 12's LastCounterResetTime. */
export interface RecordCounter {
  lastRecordId: number;
  resetAt: string;
}

/**
 * pending: waits for an administrator; issued: the certificate is ready; finished: delivered
 * at least once (a repeated FinishRequest returns it again, without a private key);
 * rejected: an administrator refused it.
 */
export type RequestState = "pending" | "issued" | "rejected" | "finished";
export type RequestKind = "signing" | "newKeyPair";

/** A certificate request started by StartSigningRequest or StartNewKeyPairRequest. */
export interface CertificateRequestRecord {
  requestId: string; // a GUID
  applicationId: string;
  certificateGroupId: string;
  certificateTypeId: string;
  kind: RequestKind;
  state: RequestState;
  csr?: string; // base64 DER
  /** StartNewKeyPairRequest: what the GDS is to generate the key and certificate for. */
  newKeyPair?: NewKeyPairParameters;
  /** StartNewKeyPairRequest: the public half of the generated key (SPKI DER, base64). */
  publicKeyInfo?: string;
  /**
   * StartNewKeyPairRequest: the generated private key and its delivery password, sealed by a
   * key in the HSM, kept only until the first FinishRequest delivers them.
   */
  sealedPrivateKey?: string;
  /** Why an administrator rejected the request. */
  rejectionReason?: string;
  serialNumber?: string; // hex, once issued
  requestedBy: string;
  decidedBy?: string;
  decidedAt?: string;
  createdAt: string;
  updatedAt: string;
}

export interface NewKeyPairParameters {
  subjectName: string;
  domainNames: string[];
  privateKeyFormat: "PFX" | "PEM";
}

/** A certificate this CA issued. */
export interface IssuedCertificateRecord {
  serialNumber: string; // lower-case hex
  thumbprint: string; // SHA-1 of the DER, upper-case hex as OPC UA tools show it
  applicationId: string;
  requestId: string;
  certificateGroupId: string;
  certificateTypeId: string;
  subject: string;
  notBefore: string;
  notAfter: string;
  authorityKeyId: string; // SKI of the CA key that signed it, hex
  policyId?: string; // digest of the certificate type's profile at issuance
  der: string; // base64
  issuedAt: string;
  revokedAt?: string;
  revocationReason?: string;
  revokedBy?: string;
}

/** The CA's state: its certificate, the key it lives under, and the current CRL. */
export interface AuthorityRecord {
  authorityId: string; // "default" for the one CA of this version
  keyLabel: string;
  certificateDer: string; // base64
  crlNumber: string; // decimal; bigint in memory
  crlDer: string; // base64
  crlThisUpdate: string;
  crlNextUpdate: string;
}

export type UserRole =
  | "DiscoveryAdmin"
  | "CertificateAuthorityAdmin"
  | "RegistrationAuthorityAdmin"
  | "SecurityAdmin"
  | "Operator";

/** A user who may sign in to the GDS; only a salted slow hash of the password is kept. */
export interface UserRecord {
  userName: string;
  passwordHash: string;
  roles: UserRole[];
  createdAt: string;
  /** X509IdentityToken: thumbprints (SHA-1, upper-case hex) of certificates bound to the user. */
  certificateThumbprints?: string[];
  /**
   * X509IdentityToken: ApplicationIds whose DefaultUserTokenGroup certificates from this CA
   * stand for the user, renewals included, until revoked or expired.
   */
  userTokenApplications?: string[];
}

/**
 * An EST enrolment credential: HTTP Basic user name (`credentialId`) and password for the
 * first simpleenroll of one registered application. Only a slow hash of the password is
 * kept. It is one-time: it is spent when a certificate is delivered with it. While its
 * request waits for approval it keeps naming that request, so the client's retry collects it.
 */
export interface EnrolmentCredentialRecord {
  credentialId: string;
  applicationId: string;
  secretHash: string;
  createdBy: string;
  createdAt: string;
  expiresAt: string;
  /** The request a held simpleenroll opened; a retry with the same credential follows it. */
  requestId?: string;
  spentAt?: string;
}
