import { randomUUID } from "node:crypto";
import type { Clock } from "../core/clock.js";
import { GdsError } from "../core/errors.js";
import type {
  ApplicationRecord,
  CertificateRequestRecord,
  IssuedCertificateRecord,
} from "../core/records.js";
import type { Logger } from "../log/logger.js";
import type { GdsStore } from "../store/store.js";
import { actorName, requireRole, requireSecurityMode, type Caller } from "./caller.js";
import type { CertificateGroups } from "./certificate-groups.js";

/** The content of a Part 12 TrustList, DER values. */
export interface TrustListContent {
  trustedCertificates: Buffer[];
  trustedCrls: Buffer[];
  issuerCertificates: Buffer[];
  issuerCrls: Buffer[];
}

/** What the certificate directory needs of the certificate authority. */
export interface Authority {
  /** Checks the request against the application and the type's profile, signs and stores. */
  issue(input: {
    csr: Buffer;
    application: ApplicationRecord;
    certificateGroupId: string;
    certificateTypeId: string;
    requestId: string;
  }): Promise<IssuedCertificateRecord>;
  issuerCertificates(): Buffer[];
  trustList(certificateGroupId: string): TrustListContent;
  /** The SKI (hex) of the key the CA signs with now. */
  authorityKeyId(): string;
}

export interface FinishedRequest {
  certificate: Buffer;
  privateKey: Buffer | undefined;
  issuerCertificates: Buffer[];
}

/**
 * The Part 12 CertificateDirectory methods: applications request certificates, collect them,
 * and learn which trust list to use and whether their certificate needs renewing.
 */
export class CertificateDirectory {
  constructor(
    private readonly store: GdsStore,
    private readonly authority: Authority,
    private readonly groups: CertificateGroups,
    private readonly clock: Clock,
    private readonly log: Logger,
    /** How long before notAfter GetCertificateStatus starts asking for a renewal. */
    private readonly renewalWindowMs: number,
  ) {}

  async startSigningRequest(
    caller: Caller,
    applicationId: string,
    groupId: string | undefined,
    typeId: string | undefined,
    csr: Buffer,
  ): Promise<string> {
    this.requireCertificateRights(caller);
    const application = await this.application(applicationId);
    const { group, certificateTypeId } = this.groups.resolve(groupId, typeId);
    if (csr.length === 0) throw new GdsError("InvalidArgument", "the CertificateRequest is empty");

    // Issue first, then record the request: a failure in between removes the certificate, so
    // no request ever points at a missing certificate and no certificate lacks its request.
    const requestId = randomUUID();
    const issued = await this.authority.issue({
      csr,
      application,
      certificateGroupId: group.id,
      certificateTypeId,
      requestId,
    });

    const now = this.clock.now().toISOString();
    const request: CertificateRequestRecord = {
      requestId,
      applicationId,
      certificateGroupId: group.id,
      certificateTypeId,
      kind: "signing",
      state: "issued",
      csr: csr.toString("base64"),
      serialNumber: issued.serialNumber,
      requestedBy: actorName(caller),
      createdAt: now,
      updatedAt: now,
    };
    try {
      await this.store.requests.insert(request);
    } catch (error) {
      await this.store.certificates.remove(issued.serialNumber);
      throw error;
    }

    this.log.info(
      { requestId, applicationId, serialNumber: issued.serialNumber,
        thumbprint: issued.thumbprint, actor: actorName(caller) },
      "certificate issued",
    );
    return requestId;
  }

  async finishRequest(
    caller: Caller,
    applicationId: string,
    requestId: string,
  ): Promise<FinishedRequest> {
    this.requireCertificateRights(caller);
    await this.application(applicationId);
    const request = await this.store.requests.get(requestId);
    if (!request || request.applicationId !== applicationId) {
      throw new GdsError("InvalidArgument", "no such request for this application");
    }

    if (request.state === "pending") {
      throw new GdsError("NothingToDo", "the request is waiting for approval");
    }
    if (request.state === "rejected") {
      throw new GdsError("RequestNotAllowed", "the request was rejected");
    }

    const certificate = request.serialNumber
      ? await this.store.certificates.getBySerial(request.serialNumber)
      : undefined;
    if (!certificate) throw new GdsError("Internal", "the issued certificate is missing");

    if (request.state !== "finished") {
      await this.store.requests.replace({
        ...request,
        state: "finished",
        updatedAt: this.clock.now().toISOString(),
      });
    }
    return {
      certificate: Buffer.from(certificate.der, "base64"),
      privateKey: undefined,
      issuerCertificates: this.authority.issuerCertificates(),
    };
  }

  async getCertificateGroups(applicationId: string): Promise<string[]> {
    await this.application(applicationId);
    return this.groups.ids();
  }

  /** Resolves the group whose TrustList the application should read. */
  async getTrustList(caller: Caller, applicationId: string, groupId?: string): Promise<string> {
    this.requireCertificateRights(caller);
    await this.application(applicationId);
    const group = this.groups.find(groupId);
    if (!group) throw new GdsError("NotFound", "unknown or unconfigured CertificateGroup");
    return group.id;
  }

  /**
   * True when the application's current certificate should be replaced: it is missing, near
   * expiry, revoked, or signed by a CA key other than the one in use now.
   */
  async getCertificateStatus(
    caller: Caller,
    applicationId: string,
    groupId: string | undefined,
    typeId: string | undefined,
  ): Promise<boolean> {
    this.requireCertificateRights(caller);
    await this.application(applicationId);
    if (!this.groups.find(groupId)) {
      throw new GdsError("NotFound", "unknown or unconfigured CertificateGroup");
    }
    const { group, certificateTypeId } = this.groups.resolve(groupId, typeId);

    const current = await this.store.certificates.latest(
      applicationId, group.id, certificateTypeId);
    if (!current) return true;

    const renewFrom = Date.parse(current.notAfter) - this.renewalWindowMs;
    return (
      this.clock.now().getTime() >= renewFrom ||
      current.revokedAt !== undefined ||
      current.authorityKeyId !== this.authority.authorityKeyId()
    );
  }

  private requireCertificateRights(caller: Caller): void {
    requireSecurityMode(caller, "SignAndEncrypt");
    requireRole(caller, "CertificateAuthorityAdmin");
  }

  private async application(applicationId: string): Promise<ApplicationRecord> {
    const record = await this.store.applications.get(applicationId);
    if (!record) throw new GdsError("NotFound", "no application with this ApplicationId");
    return record;
  }
}
