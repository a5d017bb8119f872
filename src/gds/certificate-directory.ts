import { X509Certificate } from "node:crypto";
import type { AuditTrail } from "../core/audit-trail.js";
import {
  noCertificateEvents,
  type CertificateEventMethod,
  type CertificateEvents,
} from "../core/certificate-events.js";
import type { Clock } from "../core/clock.js";
import { GdsError } from "../core/errors.js";
import type { ApplicationRecord, IssuedCertificateRecord } from "../core/records.js";
import type { GdsStore } from "../store/store.js";
import type { Authority, RevocationStatus } from "./authority.js";
import { actorName, type Caller } from "./caller.js";
import { eventCaller, reportingFailure } from "./certificate-event-report.js";
import type { CertificateGroups } from "./certificate-groups.js";
import {
  requireAdministrator,
  requireCertificateReadRights,
  requireCertificateRights,
} from "./rights.js";

/**
 * The Part 12 CertificateDirectory methods around issued certificates: which groups and trust
 * lists apply, whether a certificate needs renewing, what an application holds, revocation
 * and its status. Requests themselves are CertificateRequests.
 */
export class CertificateDirectory {
  constructor(
    private readonly store: GdsStore,
    private readonly authority: Authority,
    private readonly groups: CertificateGroups,
    private readonly audit: AuditTrail,
    private readonly clock: Clock,
    /** How long before notAfter GetCertificateStatus starts asking for a renewal. */
    private readonly renewalWindowMs: number,
    private readonly events: CertificateEvents = noCertificateEvents,
  ) {}

  async getCertificateGroups(applicationId: string): Promise<string[]> {
    await this.application(applicationId);
    return this.groups.ids();
  }

  /** Resolves the group whose TrustList the application should read. */
  async getTrustList(caller: Caller, applicationId: string, groupId?: string): Promise<string> {
    requireCertificateReadRights(caller, applicationId);
    await this.application(applicationId);
    const group = this.groups.find(groupId);
    if (!group) throw new GdsError("NotFound", "unknown or unconfigured CertificateGroup");
    return group.id;
  }

  /**
   * True when the application's current certificate should be replaced: it is missing, near
   * expiry, revoked, signed by a CA key other than the one in use now, issued under a profile
   * that has changed since, or its key is below the type's minimum strength.
   */
  async getCertificateStatus(
    caller: Caller,
    applicationId: string,
    groupId: string | undefined,
    typeId: string | undefined,
  ): Promise<boolean> {
    requireCertificateReadRights(caller, applicationId);
    await this.application(applicationId);
    if (!this.groups.find(groupId)) {
      throw new GdsError("NotFound", "unknown or unconfigured CertificateGroup");
    }
    const { group, certificateTypeId } = this.groups.resolve(groupId, typeId);

    const current = await this.store.certificates
      .latest(applicationId, group.id, certificateTypeId);
    if (!current) return true;
    const renewFrom = Date.parse(current.notAfter) - this.renewalWindowMs;
    return (
      this.clock.now().getTime() >= renewFrom ||
      current.revokedAt !== undefined ||
      current.authorityKeyId !== this.authority.authorityKeyId() ||
      current.policyId !== this.authority.policyId(certificateTypeId) ||
      this.belowMinimumKeyStrength(current)
    );
  }

  /** GetCertificates: the application's current certificate of each type in a group. */
  async getCertificates(caller: Caller, applicationId: string, groupId: string | undefined) {
    requireCertificateReadRights(caller, applicationId);
    await this.application(applicationId);
    const group = this.groups.find(groupId);
    if (!group) throw new GdsError("InvalidArgument", "unknown or unconfigured CertificateGroup");

    const current: IssuedCertificateRecord[] = [];
    for (const certificateTypeId of group.certificateTypes) {
      const latest = await this.store.certificates
        .latest(applicationId, group.id, certificateTypeId);
      if (latest && !latest.revokedAt) current.push(latest);
    }
    return current.map((record) => ({
      certificateTypeId: record.certificateTypeId,
      certificate: Buffer.from(record.der, "base64"),
    }));
  }

  /** Part 12 RevokeCertificate: an application's certificate, given as DER. */
  async revokeCertificate(caller: Caller, applicationId: string, certificate: Buffer) {
    const event = { kind: "CertificateRevoked", method: "RevokeCertificate", applicationId,
      certificate } as const;
    await reportingFailure(this.events, caller, event, async () => {
      requireCertificateRights(caller, applicationId);
      await this.application(applicationId);
      const { record } = await this.authority.status(certificate);
      if (!record || record.applicationId !== applicationId) {
        throw new GdsError("InvalidArgument", "the certificate was not issued to this application");
      }
      await this.revoke(caller, [record.serialNumber], "unspecified", "RevokeCertificate");
    });
  }

  /** Revocation by serial number with an RFC 5280 reason; the administrator's tool. */
  async revokeBySerial(caller: Caller, serialNumber: string, reason: string): Promise<void> {
    const normalized = serialNumber.trim().toLowerCase().replace(/:/g, "");
    const revocationReason = reason || "unspecified";
    const event = { kind: "CertificateRevoked", method: "RevokeCertificateBySerial",
      serialNumber: normalized, revocationReason } as const;
    await reportingFailure(this.events, caller, event, async () => {
      requireAdministrator(caller, "CertificateAuthorityAdmin");
      await this.revoke(caller, [normalized], revocationReason, "RevokeCertificateBySerial");
    });
  }

  /** Revokes every certificate of an application that leaves the directory. */
  async revokeApplication(caller: Caller, applicationId: string): Promise<void> {
    const event = { kind: "CertificateRevoked", method: "UnregisterApplication", applicationId,
      revocationReason: "cessationOfOperation" } as const;
    await reportingFailure(this.events, caller, event, async () => {
      const records = await this.store.certificates.listForApplication(applicationId);
      const live = records.filter((record) => !record.revokedAt);
      if (live.length > 0) {
        await this.revoke(caller, live.map((record) => record.serialNumber),
          "cessationOfOperation", "UnregisterApplication");
      }
    });
  }

  /** CheckRevocationStatus: Good, Revoked, TimeInvalid or Unknown, and until when it holds. */
  async checkRevocationStatus(certificate: Buffer): Promise<{
    status: RevocationStatus;
    validUntil: Date;
  }> {
    if (certificate.length === 0) throw new GdsError("InvalidArgument", "the certificate is empty");
    try {
      new X509Certificate(certificate);
    } catch (error) {
      throw new GdsError("InvalidArgument", "the certificate does not parse", error);
    }
    const { status, validUntil } = await this.authority.status(certificate);
    return { status, validUntil };
  }

  /**
   * The registered application a channel certificate stands for, if this GDS issued it to that
   * application and it is neither revoked nor expired. This is the ApplicationSelfAdmin
   * privilege.
   */
  async ownerOf(certificate: Buffer | null | undefined): Promise<string | undefined> {
    if (!certificate || certificate.length === 0) return undefined;
    // Any valid certificate we issued to the application, not only the newest: an application
    // renewing itself over a channel opened with its old certificate must still be able to
    // collect the new one. Revoke the old certificate to end its rights at once.
    const { status, record } = await this.authority.status(certificate);
    if (status !== "Good" || !record) return undefined;
    const application = await this.store.applications.get(record.applicationId);
    return application?.applicationId;
  }

  private async revoke(
    caller: Caller,
    serialNumbers: string[],
    reason: string,
    method: CertificateEventMethod,
  ) {
    const revoked = await this.authority.revoke(serialNumbers, reason, actorName(caller));
    for (const record of revoked) {
      await this.audit.record("certificate.revoked", actorName(caller), {
        serialNumber: record.serialNumber, thumbprint: record.thumbprint,
        applicationId: record.applicationId, reason,
      });
      this.events.raise({
        kind: "CertificateRevoked", method, status: true, ...eventCaller(caller),
        applicationId: record.applicationId, certificateGroupId: record.certificateGroupId,
        certificateTypeId: record.certificateTypeId, serialNumber: record.serialNumber,
        thumbprint: record.thumbprint, certificate: Buffer.from(record.der, "base64"),
        revocationReason: reason,
      });
    }
  }

  private belowMinimumKeyStrength(record: IssuedCertificateRecord): boolean {
    const minimum = this.authority.minimumKeyBits(record.certificateTypeId);
    if (minimum === undefined) return false;
    const bits = new X509Certificate(Buffer.from(record.der, "base64"))
      .publicKey.asymmetricKeyDetails?.modulusLength;
    return bits !== undefined && bits < minimum;
  }

  private async application(applicationId: string): Promise<ApplicationRecord> {
    const record = await this.store.applications.get(applicationId);
    if (!record) throw new GdsError("NotFound", "no application with this ApplicationId");
    return record;
  }
}
