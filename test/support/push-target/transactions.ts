import type { KeyObject } from "node:crypto";
import type { TrustListContent } from "../../../src/core/issuing.js";

/** A certificate accepted by UpdateCertificate, waiting for ApplyChanges. */
export interface StagedCertificate {
  certificate: Buffer;
  issuerCertificates: Buffer[];
  /** The key that goes with it when CreateSigningRequest made a new one. */
  privateKey?: KeyObject;
}

/** What one session has queued (Part 12 7.10.2): nothing takes effect before ApplyChanges. */
export interface Transaction {
  sessionId: string;
  trustList?: TrustListContent;
  certificate?: StagedCertificate;
  /** Steps in the order they were taken, for targets that insist on the usual order. */
  steps: Array<"trustList" | "signingRequest" | "certificate">;
}

/** A key made by CreateSigningRequest with regeneratePrivateKey, and who asked for it. */
export interface PendingKey {
  sessionId: string;
  privateKey: KeyObject;
  publicKeyInfo: Buffer;
}

/**
 * The one transaction a target allows at a time, plus the key of the last signing request.
 * A second session is refused (Bad_TransactionPending) while a transaction is open.
 */
export class Transactions {
  private current?: Transaction;
  pendingKey?: PendingKey;

  /** The transaction of `sessionId`, undefined when it has none. */
  of(sessionId: string): Transaction | undefined {
    return this.current?.sessionId === sessionId ? this.current : undefined;
  }

  /** True when another session holds the transaction. */
  heldByOther(sessionId: string): boolean {
    return this.current !== undefined && this.current.sessionId !== sessionId;
  }

  isOpen(): boolean {
    return this.current !== undefined;
  }

  /** The session's transaction, opened if needed; the caller checked heldByOther first. */
  open(sessionId: string): Transaction {
    if (this.heldByOther(sessionId)) throw new Error("another session holds the transaction");
    this.current ??= { sessionId, steps: [] };
    return this.current;
  }

  /** Ends the session's transaction and returns it (ApplyChanges, CancelChanges). */
  take(sessionId: string): Transaction | undefined {
    const transaction = this.of(sessionId);
    if (transaction) this.current = undefined;
    return transaction;
  }

  /** A closed session loses its transaction; `keepKey` says whether its pending key stays. */
  sessionClosed(sessionId: string, keepKey: boolean): void {
    this.take(sessionId);
    if (!keepKey && this.pendingKey?.sessionId === sessionId) this.pendingKey = undefined;
  }
}
