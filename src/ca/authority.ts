import "reflect-metadata";
import { isIP } from "node:net";
import { Name } from "@peculiar/x509";
import type { Clock } from "../core/clock.js";
import { GdsError } from "../core/errors.js";
import type { AuthorityRecord, IssuedCertificateRecord } from "../core/records.js";
import type { Authority, TrustListContent } from "../gds/certificate-directory.js";
import { discoveryHosts } from "../gds/application-record-check.js";
import type { Signer } from "../keys/signer.js";
import type { Logger } from "../log/logger.js";
import type { GdsStore } from "../store/store.js";
import type { CaProfile } from "./ca-profile.js";
import { issueApplicationCertificate } from "./certificate-issuer.js";
import type { CertificateProfile } from "./certificate-profile.js";
import { checkCertificationRequest } from "./certification-request-check.js";
import { parseCertificationRequest } from "./certification-request.js";
import { buildCrl } from "./crl-builder.js";
import { readIssuerCertificate } from "./issuer-certificate.js";
import { createRootCertificate } from "./root-certificate.js";
import { generateSerialNumber } from "./serial-number.js";
import { thumbprint } from "./thumbprint.js";

const authorityId = "default";
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
}

/** A certificate to issue, already checked by its caller (the GDS's own, for example). */
export interface DirectIssue {
  subject: Buffer;
  publicKeyInfo: Buffer;
  applicationUri: string;
  hosts: string[];
  applicationId: string;
  requestId: string;
  certificateGroupId: string;
  certificateTypeId: string;
}

/**
 * The CA: one key in the token, its self-signed certificate, the current CRL, and issuing.
 * Every certificate and CRL is signed through the Signer, i.e. inside the HSM.
 */
export class CertificateAuthority implements Authority {
  private constructor(
    private readonly options: AuthorityOptions,
    private record: AuthorityRecord,
    private readonly certificateDer: Buffer,
    private readonly keyId: string,
  ) {}

  /** Loads the CA, creating its certificate and first CRL when the store has none. */
  static async open(options: AuthorityOptions): Promise<CertificateAuthority> {
    const { store, signer, log } = options;
    let record = await store.authorities.get(authorityId);
    if (!record) {
      record = await createAuthority(options);
      log.info({ keyLabel: record.keyLabel }, "certificate authority created");
    }

    const certificateDer = Buffer.from(record.certificateDer, "base64");
    const issuer = readIssuerCertificate(certificateDer);
    if (!issuer.publicKeyInfo.equals(signer.publicKeyInfo)) {
      throw new Error("the stored CA certificate does not belong to the token's CA key");
    }
    const authority = new CertificateAuthority(
      options,
      record,
      certificateDer,
      issuer.keyIdentifier.toString("hex"),
    );
    await authority.refreshCrlIfDue();
    return authority;
  }

  async issue(input: Parameters<Authority["issue"]>[0]): Promise<IssuedCertificateRecord> {
    const { application, certificateTypeId } = input;
    const profile = this.profile(certificateTypeId);
    const csr = parseCertificationRequest(input.csr);
    checkCertificationRequest(csr, { applicationUri: application.applicationUri, profile });

    const requested = [...csr.sanDnsNames, ...csr.sanIpAddresses];
    return this.issueDirect({
      subject: csr.subject,
      publicKeyInfo: csr.publicKeyInfo,
      applicationUri: application.applicationUri,
      hosts: requested.length > 0 ? requested : discoveryHosts(application.discoveryUrls),
      applicationId: application.applicationId,
      requestId: input.requestId,
      certificateGroupId: input.certificateGroupId,
      certificateTypeId,
    });
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

  issuerCertificates(): Buffer[] {
    return [this.certificateDer];
  }

  certificate(): Buffer {
    return this.certificateDer;
  }

  crl(): Buffer {
    return Buffer.from(this.record.crlDer, "base64");
  }

  crlThisUpdate(): Date {
    return new Date(this.record.crlThisUpdate);
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

  /**
   * Re-signs the CRL once half of its validity has passed, so that relying parties never
   * hold a CRL past its nextUpdate. Returns whether a new CRL was published.
   */
  async refreshCrlIfDue(): Promise<boolean> {
    const thisUpdate = Date.parse(this.record.crlThisUpdate);
    const nextUpdate = Date.parse(this.record.crlNextUpdate);
    const now = this.options.clock.now().getTime();
    if (now < thisUpdate + (nextUpdate - thisUpdate) / 2) return false;
    await this.publishCrl();
    return true;
  }

  /** Signs a CRL with the next CRL number and makes it current. */
  async publishCrl(): Promise<void> {
    const { signer, clock, caProfile, store, log } = this.options;
    const crlNumber = BigInt(this.record.crlNumber) + 1n;
    const thisUpdate = clock.now();
    const nextUpdate = new Date(thisUpdate.getTime() + caProfile.crlValidityDays * dayMs);
    const crlDer = await buildCrl({
      signer,
      issuerCertificateDer: this.certificateDer,
      crlNumber,
      thisUpdate,
      nextUpdate,
      revoked: [],
    });

    const record: AuthorityRecord = {
      ...this.record,
      crlNumber: crlNumber.toString(),
      crlDer: crlDer.toString("base64"),
      crlThisUpdate: thisUpdate.toISOString(),
      crlNextUpdate: nextUpdate.toISOString(),
    };
    await store.authorities.put(record);
    this.record = record;
    log.info({ crlNumber: record.crlNumber, nextUpdate: record.crlNextUpdate }, "CRL published");
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
      subject: new Name(new Uint8Array(input.subject)).toString(),
      notBefore: notBefore.toISOString(),
      notAfter: notAfter.toISOString(),
      authorityKeyId: this.keyId,
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
