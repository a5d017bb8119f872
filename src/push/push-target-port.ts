import type { PushOutcome } from "../core/push-records.js";
import type { TrustListContent } from "../core/issuing.js";

/** The user the GDS signs in as; its secret is opened just before use. */
export type TargetUserIdentity =
  | { kind: "userName"; userName: string; password: string }
  | { kind: "x509"; certificate: Buffer; privateKeyPem: string };

/** Where and as whom the GDS signs in on a target. */
export interface TargetAddress {
  endpointUrl: string;
  identity: TargetUserIdentity;
  /**
   * Called with the certificate the secure channel is bound to, before the user's secret is sent;
   * throws PushFailure to stop there.
   */
  verifyServer(certificate: Buffer): void;
}

/**
 * What the push engine needs of a target's Part 12 ServerConfiguration. The OPC UA front-end
 * implements it with node-opcua; the engine itself never sees a NodeId or a StatusCode object.
 */
export interface PushConnector {
  /** A SignAndEncrypt session as the target's SecurityAdmin user. */
  open(address: TargetAddress): Promise<TargetConnection>;
  /** The certificate the target serves now, read with GetEndpoints over a fresh channel. */
  servedCertificate(endpointUrl: string): Promise<Buffer>;
}

export interface TargetConnection {
  /**
   * Replaces the group's trust list with `content`: Open(Write|EraseExisting), Write in chunks,
   * CloseAndUpdate. Fails with TrustListTooLarge, before anything is sent, when the encoded
   * list exceeds the target's MaxTrustListSize. Resolves to CloseAndUpdate's
   * ApplyChangesRequired.
   */
  writeTrustList(groupId: string, content: TrustListContent): Promise<boolean>;
  /** CreateSigningRequest with a regenerated key and `nonce`; the CSR's DER. */
  createSigningRequest(groupId: string, certificateTypeId: string, nonce: Buffer): Promise<Buffer>;
  updateCertificate(
    groupId: string,
    certificateTypeId: string,
    certificate: Buffer,
    issuerCertificates: Buffer[],
  ): Promise<void>;
  /** ApplyChanges; a Good answer followed by the target dropping the channel is success. */
  applyChanges(): Promise<void>;
  /** The certificates the target has refused (ServerConfiguration GetRejectedList). */
  rejectedList(): Promise<Buffer[]>;
  close(): Promise<void>;
}

/**
 * A failed step on a target: the outcome an administrator can act on, the target's status code
 * name (or a transport reason), and a message safe to show.
 */
export class PushFailure extends Error {
  constructor(
    readonly outcome: Exclude<PushOutcome, "Succeeded">,
    readonly statusCode: string,
    message: string,
  ) {
    super(message);
    this.name = "PushFailure";
  }
}
