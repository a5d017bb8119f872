import type { ErrorCode } from "./errors.js";

/** The methods whose certificate events an auditor follows, by their OPC UA names. */
export type CertificateEventMethod =
  | "StartSigningRequest"
  | "StartNewKeyPairRequest"
  | "FinishRequest"
  | "RevokeCertificate"
  | "RevokeCertificateBySerial"
  | "UnregisterApplication";

export type CertificateEventKind =
  | "CertificateRequested"
  | "CertificateDelivered"
  | "CertificateRevoked";

/**
 * One certificate was asked for, handed out or revoked, or a call meant to do so failed.
 * Identifiers and public certificates only: a private key or a password never goes in here.
 */
export interface CertificateEvent {
  kind: CertificateEventKind;
  method: CertificateEventMethod;
  /** True when the call did what it was asked; false with the refusal's code otherwise. */
  status: boolean;
  errorCode?: ErrorCode;
  /** The signed-in user; undefined for an anonymous session. */
  userName?: string;
  /** The AuditEntryId the client put in its request header, if any. */
  clientAuditEntryId?: string;
  applicationId?: string;
  certificateGroupId?: string;
  certificateTypeId?: string;
  requestId?: string;
  serialNumber?: string;
  thumbprint?: string;
  /** The certificate concerned (DER): delivered or revoked ones. */
  certificate?: Buffer;
  revocationReason?: string;
}

/**
 * Where the Part 12 logic reports certificate events as they happen; the OPC UA front-end
 * turns them into audit events on the Server object. Raising never fails the call.
 */
export interface CertificateEvents {
  raise(event: CertificateEvent): void;
}

export const noCertificateEvents: CertificateEvents = { raise: () => undefined };
