import "reflect-metadata";
import { createHash, X509Certificate } from "node:crypto";
import { isIP } from "node:net";
import type { Clock } from "../core/clock.js";
import { GdsError } from "../core/errors.js";
import type { AuthorityRecord, IssuedCertificateRecord } from "../core/records.js";
import type { IssueInput, TrustListContent } from "../core/issuing.js";
import type { Signer } from "../keys/signer.js";
import type { Logger } from "../log/logger.js";
import type { GdsStore } from "../store/store.js";
import type { CaProfile } from "./ca-profile.js";
import { signerAlgorithm } from "./certificate-builder.js";
import type { PublicationUrls } from "./certificate-extensions.js";
import { issueApplicationCertificate, publicationExtensions } from "./certificate-issuer.js";
import { checkProfilesFitCaKey, type CertificateProfile } from "./certificate-profile.js";
import { encodeDistinguishedName } from "./distinguished-name.js";
import { distinguishedNameText } from "./distinguished-name-text.js";
import { issueOcspResponderCertificate } from "./ocsp-responder-certificate.js";
import { CompromisedKeys } from "./compromised-keys.js";
import { checkCertificationRequest } from "./certification-request-check.js";
import { parseCertificationRequest } from "./certification-request.js";
import { buildCrl } from "./crl-builder.js";
import { CrlPublisher, isRevocationReason, type CrlListener } from "./crl-publisher.js";
import { readIssuerCertificate } from "./issuer-certificate.js";
import { createRootCertificate } from "./root-certificate.js";
import { generateSerialNumber } from "./serial-number.js";
import { thumbprint } from "./thumbprint.js";

const authorityId = "default";
/** applicationId and requestId of the delegated OCSP responder's certificates. */
export const ocspResponderId = "ocsp-responder";
const dayMs = 86_400_000;
/** Certificates start a little in the past so that a peer with a slow clock accepts them. */
const backdateMs = 5 * 60_000;

export interface AuthorityOptions {
  signer: Signer;
  keyLabel: string;
  store: GdsStore;
  clock: Clock;
  log: Logger;
  caProfile: CaProfile;
  /** Profiles by CertificateType browse name. */
  profiles: Map<string, CertificateProfile>;
  /** The CA exists already (its key was on the token): a missing record is damage, not a start. */
  mustExist?: boolean;
}

/** A certificate to issue, already checked by its caller (the GDS's own, for example). */
export type DirectIssue = IssueInput;

/**
 * The CA: one key in the token, its self-signed certificate, the current CRL, and issuing.
 * Every certificate and CRL is signed through the Signer, i.e. inside the HSM.
 */
export class CertificateAuthority {
  private readonly crls: CrlPublisher;
  private readonly policyIds = new WeakMap<CertificateProfile, string>();
  private publication: Buffer[] = [];

  private constructor(
    private readonly options: AuthorityOptions,
    record: AuthorityRecord,
    private readonly certificateDer: Buffer,
    private readonly keyId: string,
    private readonly compromisedKeys: CompromisedKeys,
  ) {
    this.crls = new CrlPublisher(record, certificateDer, options.signer, options.store,
      options.clock, options.caProfile.crlValidityDays, options.log);
  }

  /** Loads the CA, creating its certificate and first CRL when the store has none. */
  static async open(options: AuthorityOptions): Promise<CertificateAuthority> {
    const { store, signer, log } = options;
    let record = await store.authorities.get(authorityId);
    if (!record && options.mustExist) {
      throw new GdsError("InvalidState", "the store holds no CA record although the CA exists; "
        + "restore store/authorities.db from a backup (a new CA would undo every revocation)");
    }
    if (!record) {
      record = await createAuthority(options);
      log.info({ keyLabel: record.keyLabel }, "certificate authority created");
    }

    const certificateDer = Buffer.from(record.certificateDer, "base64");
    const issuer = readIssuerCertificate(certificateDer);
    if (!issuer.publicKeyInfo.equals(signer.publicKeyInfo)) {
      throw new Error("the stored CA certificate does not belong to the token's CA key");
    }
    // A profile the CA key cannot sign for would fail every request of its type; fail now.
    checkProfilesFitCaKey(options.profiles.values(), signerAlgorithm(signer).name);
    const authority = new CertificateAuthority(
      options,
      record,
      certificateDer,
      issuer.keyIdentifier.toString("hex"),
      CompromisedKeys.from(await store.certificates.listRevoked()),
    );
    await authority.refreshCrlIfDue();
    return authority;
  }

  /**
   * Parses and checks a PKCS#10 request: signature, key fit for the type, the ApplicationUri.
   * The hosts are the request's DNS names and addresses (the caller falls back to the
   * registered DiscoveryUrls when there are none).
   */
  checkSigningRequest(csrDer: Buffer, applicationUri: string, certificateTypeId: string) {
    const profile = this.profile(certificateTypeId);
    const csr = parseCertificationRequest(csrDer);
    checkCertificationRequest(csr, { applicationUri, profile });
    this.compromisedKeys.refuse(csr.publicKeyInfo);
    return {
      subject: csr.subject,
      publicKeyInfo: csr.publicKeyInfo,
      hosts: [...csr.sanDnsNames, ...csr.sanIpAddresses],
    };
  }

  policyId(certificateTypeId: string): string {
    const profile = this.profile(certificateTypeId);
    let id = this.policyIds.get(profile);
    if (!id) {
      id = createHash("sha256").update(JSON.stringify(profile)).digest("hex").slice(0, 16);
      this.policyIds.set(profile, id);
    }
    return id;
  }

  minimumKeyBits(certificateTypeId: string): number | undefined {
    const { key } = this.profile(certificateTypeId);
    return key.algorithm === "RSA" ? key.minBits : undefined;
  }

  /**
   * From now on every issued certificate names these URLs (CRL distribution point, OCSP and
   * caIssuers); certificates issued before keep what they had.
   */
  usePublicationUrls(urls: PublicationUrls): void {
    this.publication = publicationExtensions(urls);
  }

  /** Signs and stores a certificate; the store refuses a serial twice, so a clash retries. */
  async issueDirect(input: DirectIssue): Promise<IssuedCertificateRecord> {
    const profile = this.profile(input.certificateTypeId);
    // Whole seconds: DER times carry none, and the record must say what the certificate says.
    const notBefore = wholeSeconds(this.options.clock.now().getTime() - backdateMs);

    for (let attempt = 0; ; attempt++) {
      const serialNumber = generateSerialNumber();
      const der = await issueApplicationCertificate({
        signer: this.options.signer,
        issuer: { certificateDer: this.certificateDer },
        subject: input.subject,
        publicKeyInfo: input.publicKeyInfo,
        applicationUri: input.applicationUri,
        dnsNames: input.hosts.filter((host) => isIP(host) === 0),
        ipAddresses: input.hosts.filter((host) => isIP(host) !== 0),
        profile,
        serialNumber,
        notBefore,
        publicationExtensions: this.publication,
      });
      const record = this.certificateRecord(der, serialNumber, notBefore, input);
      try {
        await this.options.store.certificates.insert(record);
        return record;
      } catch (error) {
        if (!(error instanceof GdsError && error.code === "EntryExists") || attempt >= 3) {
          throw error;
        }
      }
    }
  }

  /**
   * Issues and records the delegated OCSP responder certificate for a key of the caller's
   * (kept in the HSM); recorded under applicationId `ocsp-responder` like any issued certificate.
   */
  async issueOcspResponder(publicKeyInfo: Buffer, validityDays: number):
    Promise<IssuedCertificateRecord> {
    const notBefore = wholeSeconds(this.options.clock.now().getTime() - backdateMs);
    const subject = encodeDistinguishedName(
      "CN=Security Handler OCSP Responder, O=Security Handler");
    const serialNumber = generateSerialNumber();
    const der = await issueOcspResponderCertificate({
      signer: this.options.signer, issuerCertificateDer: this.certificateDer, subject,
      publicKeyInfo, serialNumber, notBefore,
      notAfter: new Date(notBefore.getTime() + validityDays * dayMs),
    });
    const certificate = new X509Certificate(der);
    const record: IssuedCertificateRecord = {
      serialNumber, thumbprint: thumbprint(der), applicationId: ocspResponderId,
      requestId: ocspResponderId, certificateGroupId: "", certificateTypeId: "OcspSigning",
      subject: certificate.subject.replace(/\n/g, ", "), notBefore: notBefore.toISOString(),
      notAfter: new Date(certificate.validTo).toISOString(), authorityKeyId: this.keyId,
      der: der.toString("base64"), issuedAt: this.options.clock.now().toISOString(),
    };
    await this.options.store.certificates.insert(record);
    this.options.log.info(
      { serialNumber, thumbprint: record.thumbprint, notAfter: record.notAfter },
      "OCSP responder certificate issued",
    );
    return record;
  }

  issuerCertificates(): Buffer[] {
    return [this.certificateDer];
  }

  certificate(): Buffer {
    return this.certificateDer;
  }

  crl(): Buffer {
    return this.crls.current().crl;
  }

  crlNumber(): bigint {
    return this.crls.current().crlNumber;
  }

  crlThisUpdate(): Date {
    return this.crls.current().thisUpdate;
  }

  crlNextUpdate(): Date {
    return this.crls.current().nextUpdate;
  }

  trustList(_certificateGroupId: string): TrustListContent {
    return {
      trustedCertificates: [this.certificateDer],
      trustedCrls: [this.crl()],
      issuerCertificates: [],
      issuerCrls: [],
    };
  }

  authorityKeyId(): string {
    return this.keyId;
  }

  /** Re-signs the CRL once half of its validity has passed; true when one was published. */
  refreshCrlIfDue(): Promise<boolean> {
    return this.crls.refreshIfDue();
  }

  onCrlPublished(listener: CrlListener): void {
    this.crls.onPublished(listener);
  }

  /**
   * Revokes certificates with an RFC 5280 reason and publishes one new CRL for all of them.
   * Already revoked ones keep their first revocation. Returns the newly revoked records.
   */
  async revoke(
    serialNumbers: string[],
    reason: string,
    actor: string,
  ): Promise<IssuedCertificateRecord[]> {
    if (!isRevocationReason(reason)) {
      throw new GdsError("InvalidArgument", "unknown revocation reason (RFC 5280 CRLReason)");
    }
    const revokedAt = wholeSeconds(this.options.clock.now().getTime()).toISOString();
    const revoked: IssuedCertificateRecord[] = [];
    for (const serialNumber of serialNumbers) {
      const record = await this.options.store.certificates.getBySerial(serialNumber);
      if (!record) throw new GdsError("NotFound", "no certificate with this serial number");
      if (record.revokedAt) continue;
      const updated = { ...record, revokedAt, revocationReason: reason, revokedBy: actor };
      await this.options.store.certificates.replace(updated);
      this.compromisedKeys.add(updated);
      revoked.push(updated);
    }
    if (revoked.length === 0) return revoked;

    for (const record of revoked) {
      this.options.log.info(
        { serialNumber: record.serialNumber, thumbprint: record.thumbprint, reason, actor },
        "certificate revoked",
      );
    }
    await this.crls.publish();
    return revoked;
  }

  /**
   * What this CA says about a certificate: Good, Revoked, TimeInvalid (expired or not yet
   * valid), or Unknown when it did not issue it. `validUntil` bounds how long the answer holds.
   */
  async status(certificateDer: Buffer): Promise<{
    status: "Good" | "Revoked" | "TimeInvalid" | "Unknown";
    record?: IssuedCertificateRecord;
    validUntil: Date;
  }> {
    const { nextUpdate } = this.crls.current();
    const record = await this.options.store.certificates
      .getByThumbprint(thumbprint(certificateDer));
    if (!record || record.der !== certificateDer.toString("base64")) {
      return { status: "Unknown", validUntil: nextUpdate };
    }
    const now = this.options.clock.now().getTime();
    const notAfter = new Date(record.notAfter);
    const validUntil = notAfter < nextUpdate ? notAfter : nextUpdate;
    if (record.revokedAt) return { status: "Revoked", record, validUntil: nextUpdate };
    if (now > notAfter.getTime() || now < Date.parse(record.notBefore)) {
      return { status: "TimeInvalid", record, validUntil: nextUpdate };
    }
    return { status: "Good", record, validUntil };
  }

  private profile(certificateTypeId: string): CertificateProfile {
    const profile = this.options.profiles.get(certificateTypeId);
    if (!profile) throw new GdsError("InvalidArgument", "no profile for this CertificateType");
    return profile;
  }

  private certificateRecord(
    der: Buffer,
    serialNumber: string,
    notBefore: Date,
    input: DirectIssue,
  ): IssuedCertificateRecord {
    const profile = this.profile(input.certificateTypeId);
    // The issuer caps validity at its own notAfter; the record says what the certificate says.
    const caNotAfter = readIssuerCertificate(this.certificateDer).notAfter.getTime();
    const notAfter = new Date(
      Math.min(notBefore.getTime() + profile.validityDays * dayMs, caNotAfter),
    );
    return {
      serialNumber,
      thumbprint: thumbprint(der),
      applicationId: input.applicationId,
      requestId: input.requestId,
      certificateGroupId: input.certificateGroupId,
      certificateTypeId: input.certificateTypeId,
      subject: distinguishedNameText(input.subject),
      notBefore: notBefore.toISOString(),
      notAfter: notAfter.toISOString(),
      authorityKeyId: this.keyId,
      policyId: this.policyId(input.certificateTypeId),
      der: der.toString("base64"),
      issuedAt: this.options.clock.now().toISOString(),
    };
  }
}

function wholeSeconds(milliseconds: number): Date {
  return new Date(Math.floor(milliseconds / 1000) * 1000);
}

async function createAuthority(options: AuthorityOptions): Promise<AuthorityRecord> {
  const { signer, clock, caProfile, keyLabel, store } = options;
  const notBefore = new Date(clock.now().getTime() - backdateMs);
  const certificateDer = await createRootCertificate({
    signer,
    subject: caProfile.subject,
    validityYears: caProfile.validityYears,
    serialNumber: generateSerialNumber(),
    notBefore,
  });

  const thisUpdate = clock.now();
  const nextUpdate = new Date(thisUpdate.getTime() + caProfile.crlValidityDays * dayMs);
  const crlDer = await buildCrl({
    signer,
    issuerCertificateDer: certificateDer,
    crlNumber: 1n,
    thisUpdate,
    nextUpdate,
    revoked: [],
  });

  const record: AuthorityRecord = {
    authorityId,
    keyLabel,
    certificateDer: certificateDer.toString("base64"),
    crlNumber: "1",
    crlDer: crlDer.toString("base64"),
    crlThisUpdate: thisUpdate.toISOString(),
    crlNextUpdate: nextUpdate.toISOString(),
  };
  await store.authorities.put(record);
  return record;
}
