import { createHash } from "node:crypto";
import { signerAlgorithm } from "../ca/certificate-builder.js";
import { isRevocationReason } from "../ca/crl-publisher.js";
import { readIssuerCertificate } from "../ca/issuer-certificate.js";
import { subjectKeyIdentifier, subjectPublicKeyBits } from "../ca/subject-public-key-info.js";
import type { Clock } from "../core/clock.js";
import { GdsError } from "../core/errors.js";
import type { IssuedCertificateRecord } from "../core/records.js";
import type { Signer } from "../keys/signer.js";
import type { Logger } from "../log/logger.js";
import { ocspStatusOf } from "./ocsp-error-status.js";
import { parseOcspRequest, type CertId, type OcspRequest } from "./ocsp-request.js";
import { encodeOcspResponse, encodeResponseData, unsignedOcspResponse, type CertStatus,
  type SingleResponse } from "./ocsp-response.js";
import { ResponseCache, type CachedResponse } from "./response-cache.js";

/** What the responder needs of the certificate store. */
export interface CertificateLedger {
  getBySerial(serialNumber: string): Promise<IssuedCertificateRecord | undefined>;
  listRevoked(): Promise<IssuedCertificateRecord[]>;
}

/** The delegated responder: its key (in the HSM) and its certificate from our CA. */
export interface ResponderIdentity {
  signer: Signer;
  certificateDer: Buffer;
  notAfter: Date;
}

export interface OcspResponderOptions {
  issuerCertificateDer: Buffer;
  identity: ResponderIdentity;
  ledger: CertificateLedger;
  clock: Clock;
  log: Logger;
  /** See HttpSettings.ocspNonce. */
  nonce: "sign" | "ignore";
}

/** An answer and, for cached (nonce-free) ones, the window HTTP caches may keep it. */
export interface OcspAnswer {
  der: Buffer;
  cacheable?: { producedAt: Date; nextUpdate: Date };
}

const hourMs = 3_600_000;
/** Good and revoked answers hold four hours and are re-signed after two. */
const validityMs = 4 * hourMs;
/** Unknown answers hold ten minutes: the serial may belong to a certificate about to exist. */
const unknownValidityMs = 10 * 60_000;
/**
 * Nonce answers need a signature each. At most this many run at once, leaving the token's other
 * sessions to issuing; beyond it a nonce request gets the cached answer without its nonce, which
 * RFC 8954 allows and OpenSSL accepts with a warning.
 */
const freshSignatureLimit = 2;

const hashAlgorithms: Record<string, string> = {
  "1.3.14.3.2.26": "sha1",
  "2.16.840.1.101.3.4.2.1": "sha256",
  "2.16.840.1.101.3.4.2.2": "sha384",
  "2.16.840.1.101.3.4.2.3": "sha512",
};

/**
 * OCSP responder (RFC 6960) for one CA. Answers without a nonce are signed once per CertID and
 * served from a cache until half their validity has passed, so repeated questions cost no HSM
 * signature; a revocation (a new CRL) drops the affected answers at once.
 */
export class OcspResponder {
  private readonly issuerHashes = new Map<string, { name: Buffer; key: Buffer }>();
  private readonly cache = new ResponseCache();
  private identity: ResponderIdentity;
  private responderKeyHash: Buffer;
  private freshSignatures = 0;

  constructor(private readonly options: OcspResponderOptions) {
    const issuer = readIssuerCertificate(options.issuerCertificateDer);
    const keyBits = subjectPublicKeyBits(issuer.publicKeyInfo);
    for (const [oid, hash] of Object.entries(hashAlgorithms)) {
      this.issuerHashes.set(oid, {
        name: createHash(hash).update(issuer.subject).digest(),
        key: createHash(hash).update(keyBits).digest(),
      });
    }
    this.identity = options.identity;
    this.responderKeyHash = subjectKeyIdentifier(options.identity.signer.publicKeyInfo);
  }

  /**
   * The cached answer to exactly these request bytes when it can be served as it is: the usual
   * repeated question, answered without parsing and without a promise.
   */
  answerAtHand(requestDer: Buffer): Buffer | undefined {
    return this.cache.byRequest(requestDer, this.options.clock.now().getTime())?.der;
  }

  /** Answers an OCSPRequest (DER). Never throws: failures become an unsigned error status. */
  async answer(requestDer: Buffer): Promise<OcspAnswer> {
    const now = this.options.clock.now().getTime();
    const known = this.cache.byRequest(requestDer, now);
    if (known) return this.cached(known);

    try {
      const request = parseOcspRequest(requestDer);
      for (const certId of request.certIds) this.checkIssuer(certId);
      const wantsNonce = request.nonceExtension !== undefined && this.options.nonce === "sign";
      if (request.certIds.length === 1 && !(wantsNonce && this.canSignFresh())) {
        const entry = await this.cachedEntry(request.certIds[0]!, now);
        if (!request.nonceExtension) this.cache.rememberRequest(requestDer, entry);
        return this.cached(entry);
      }
      return { der: await this.signFresh(request, wantsNonce) };
    } catch (error) {
      const status = ocspStatusOf(error);
      if (status === "internalError" || status === "tryLater") {
        this.options.log.error({ err: error }, "OCSP answer failed");
      }
      return { der: unsignedOcspResponse(status) };
    }
  }

  /** A new CRL was published: answers about newly revoked serials must not be served again. */
  async revocationsChanged(): Promise<void> {
    const revoked = await this.options.ledger.listRevoked();
    this.cache.dropGoodAnswers(new Set(revoked.map((record) => record.serialNumber)));
  }

  /** A renewed responder certificate: answers signed from now on carry it. */
  useIdentity(identity: ResponderIdentity): void {
    this.identity = identity;
    this.responderKeyHash = subjectKeyIdentifier(identity.signer.publicKeyInfo);
    this.cache.clear();
  }

  /** Resolves once the answers being signed in the background are cached. */
  idle(): Promise<void> {
    return this.cache.idle();
  }

  identityInUse(): ResponderIdentity {
    return this.identity;
  }

  cacheSize(): number {
    return this.cache.size();
  }

  private cached(entry: CachedResponse): OcspAnswer {
    return {
      der: entry.der,
      cacheable: { producedAt: new Date(entry.producedAt), nextUpdate: new Date(entry.nextUpdate) },
    };
  }

  private checkIssuer(certId: CertId): void {
    const hashes = this.issuerHashes.get(certId.hashAlgorithm);
    // Unknown hash algorithm or another CA: this responder is not authoritative.
    if (!hashes || !hashes.name.equals(certId.issuerNameHash)
      || !hashes.key.equals(certId.issuerKeyHash)) {
      throw new GdsError("NotFound", "not a CA this responder answers for");
    }
  }

  private canSignFresh(): boolean {
    return this.freshSignatures < freshSignatureLimit;
  }

  /** The cached answer for a CertID; signed now when missing or expired, else refreshed behind. */
  private async cachedEntry(certId: CertId, now: number): Promise<CachedResponse> {
    const entry = this.cache.byCertId(certId.der);
    if (entry && !entry.stale && now < entry.nextUpdate) {
      if (now >= entry.refreshAt) {
        this.cache.signOnce(certId.der, () => this.signSingle(certId)).catch((error: unknown) =>
          this.options.log.error({ err: error }, "OCSP answer refresh failed"));
      }
      return entry;
    }
    return this.cache.signOnce(certId.der, () => this.signSingle(certId));
  }

  private async signSingle(certId: CertId): Promise<CachedResponse> {
    const generation = this.cache.generation();
    const single = await this.singleResponse(certId);
    const producedAt = this.options.clock.now().getTime();
    const der = await this.sign([single], producedAt);
    return {
      der,
      producedAt,
      nextUpdate: single.nextUpdate.getTime(),
      refreshAt: producedAt + (single.nextUpdate.getTime() - producedAt) / 2,
      serialNumber: certId.serialNumber,
      good: single.certStatus.status !== "revoked",
      stale: false,
      generation,
    };
  }

  private async signFresh(request: OcspRequest, withNonce: boolean): Promise<Buffer> {
    this.freshSignatures += 1;
    try {
      const singles = await Promise.all(request.certIds.map((id) => this.singleResponse(id)));
      const producedAt = this.options.clock.now().getTime();
      return await this.sign(singles, producedAt, withNonce ? request.nonceExtension : undefined);
    } finally {
      this.freshSignatures -= 1;
    }
  }

  private async singleResponse(certId: CertId): Promise<SingleResponse> {
    const record = certId.serialNumber === undefined ? undefined
      : await this.options.ledger.getBySerial(certId.serialNumber);
    const certStatus = statusOf(record);
    const thisUpdate = this.options.clock.now();
    const lifetime = certStatus.status === "unknown" ? unknownValidityMs : validityMs;
    const end = Math.min(thisUpdate.getTime() + lifetime, this.identity.notAfter.getTime());
    return { certIdDer: certId.der, certStatus, thisUpdate, nextUpdate: new Date(end) };
  }

  private async sign(singles: SingleResponse[], producedAt: number, nonceExtension?: Buffer) {
    const { signer, certificateDer } = this.identity;
    const responseData = encodeResponseData({
      responderKeyHash: this.responderKeyHash,
      producedAt: new Date(producedAt),
      responses: singles,
      nonceExtension,
    });
    const signature = await signer.sign(responseData);
    return encodeOcspResponse(responseData, signerAlgorithm(signer).identifier, signature,
      [certificateDer]);
  }
}

function statusOf(record: IssuedCertificateRecord | undefined): CertStatus {
  if (!record) return { status: "unknown" };
  if (!record.revokedAt) return { status: "good" };
  const reason = record.revocationReason;
  return {
    status: "revoked",
    revocationTime: new Date(record.revokedAt),
    revocationReason: reason !== undefined && isRevocationReason(reason) ? reason : undefined,
  };
}
