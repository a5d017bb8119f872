import type { Clock } from "../core/clock.js";
import type { AuthorityRecord } from "../core/records.js";
import type { Signer } from "../keys/signer.js";
import type { Logger } from "../log/logger.js";
import type { GdsStore } from "../store/store.js";
import { buildCrl, revocationReasons, type RevocationReason } from "./crl-builder.js";

const dayMs = 86_400_000;

export type CrlListener = (crl: Buffer, thisUpdate: Date) => Promise<void> | void;

/**
 * Keeps the CA's current CRL: every revoked certificate that has not expired, a CRL number
 * that only grows, and a nextUpdate that is never allowed to pass. Publications are queued
 * one after another, so concurrent revocations never reuse a CRL number.
 */
export class CrlPublisher {
  private queue: Promise<unknown> = Promise.resolve();
  private readonly listeners: CrlListener[] = [];

  constructor(
    private record: AuthorityRecord,
    private readonly certificateDer: Buffer,
    private readonly signer: Signer,
    private readonly store: GdsStore,
    private readonly clock: Clock,
    private readonly crlValidityDays: number,
    private readonly log: Logger,
  ) {}

  current(): { crl: Buffer; thisUpdate: Date; nextUpdate: Date; crlNumber: bigint } {
    return {
      crl: Buffer.from(this.record.crlDer, "base64"),
      thisUpdate: new Date(this.record.crlThisUpdate),
      nextUpdate: new Date(this.record.crlNextUpdate),
      crlNumber: BigInt(this.record.crlNumber),
    };
  }

  /** Called after every publication, in order; a failing listener is logged, not fatal. */
  onPublished(listener: CrlListener): void {
    this.listeners.push(listener);
  }

  /** Re-signs once half of the CRL's validity has passed; true when a CRL was published. */
  async refreshIfDue(): Promise<boolean> {
    const thisUpdate = Date.parse(this.record.crlThisUpdate);
    const nextUpdate = Date.parse(this.record.crlNextUpdate);
    if (this.clock.now().getTime() < thisUpdate + (nextUpdate - thisUpdate) / 2) return false;
    await this.publish();
    return true;
  }

  /** Signs a CRL with the next CRL number from the store's revocations and makes it current. */
  publish(): Promise<void> {
    const run = this.queue.then(() => this.publishNow());
    this.queue = run.catch(() => undefined);
    return run;
  }

  private async publishNow(): Promise<void> {
    const crlNumber = BigInt(this.record.crlNumber) + 1n;
    const thisUpdate = this.clock.now();
    const nextUpdate = new Date(thisUpdate.getTime() + this.crlValidityDays * dayMs);
    const revoked = (await this.store.certificates.listRevoked())
      .filter((certificate) => Date.parse(certificate.notAfter) > thisUpdate.getTime())
      .map((certificate) => ({
        serialNumber: certificate.serialNumber,
        revocationDate: new Date(certificate.revokedAt!),
        reason: reasonOf(certificate.revocationReason),
      }));
    const crlDer = await buildCrl({
      signer: this.signer,
      issuerCertificateDer: this.certificateDer,
      crlNumber,
      thisUpdate,
      nextUpdate,
      revoked,
    });

    const record: AuthorityRecord = {
      ...this.record,
      crlNumber: crlNumber.toString(),
      crlDer: crlDer.toString("base64"),
      crlThisUpdate: thisUpdate.toISOString(),
      crlNextUpdate: nextUpdate.toISOString(),
    };
    await this.store.authorities.put(record);
    this.record = record;
    this.log.info(
      { crlNumber: record.crlNumber, revoked: revoked.length, nextUpdate: record.crlNextUpdate },
      "CRL published",
    );

    for (const listener of this.listeners) {
      try {
        await listener(crlDer, thisUpdate);
      } catch (error) {
        this.log.error({ err: error }, "CRL listener failed");
      }
    }
  }
}

export function isRevocationReason(value: string): value is RevocationReason {
  return Object.hasOwn(revocationReasons, value);
}

function reasonOf(value: string | undefined): RevocationReason | undefined {
  return value !== undefined && isRevocationReason(value) ? value : undefined;
}
