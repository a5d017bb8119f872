import type { KeyObject } from "node:crypto";
import type { TargetCertificateManager } from "./target-certificate-manager.js";
import type { Transactions } from "./transactions.js";

/** Ways a push target may differ from the plain conforming one, each seen in the field. */
export type PushTargetVariant =
  | "conforming"
  /** Refuses steps out of the usual order, and a certificate for a key of another session. */
  | "strict-order"
  /** Drops the secure channel as soon as it has answered ApplyChanges. */
  | "drop-after-apply"
  /** The TrustList object lives in its own namespace: clients must browse to it. */
  | "methods-elsewhere"
  /** A MaxTrustListSize of a few kilobytes. */
  | "small-trust-list"
  /** Conforming; the test stops and restarts it on the same port to stage an outage. */
  | "down";

/** What the method handlers of one target share. */
export interface TargetState {
  readonly variant: PushTargetVariant;
  readonly applicationUri: string;
  readonly manager: TargetCertificateManager;
  readonly transactions: Transactions;
  readonly maxTrustListSize: number;
  readonly now: () => Date;
  /** The certificate the server serves now, and its key. */
  current(): { certificate: Buffer; privateKey: KeyObject };
  /** Installs a certificate and key as the served ones (files and server), then reconnects. */
  installCertificate(certificate: Buffer, privateKey: KeyObject | undefined): Promise<void>;
  /** Closes every secure channel, after `delayMs` (0: as soon as the answer is on its way). */
  dropChannels(delayMs: number): void;
}
