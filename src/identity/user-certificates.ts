import { createHash, X509Certificate } from "node:crypto";
import type { AuditTrail } from "../core/audit-trail.js";
import type { Clock } from "../core/clock.js";
import type { RevocationStatus } from "../core/issuing.js";
import type { UserRecord } from "../core/records.js";
import type { Logger } from "../log/logger.js";
import type { UserStore } from "../store/store.js";

/** What the CA knows of a certificate: whether it issued it, and its state. */
export type IssuedCertificateStatus = (certificate: Buffer) => Promise<{
  status: RevocationStatus;
  record?: { applicationId: string; certificateGroupId: string };
}>;

export type UserCertificateRefusal = "Invalid" | "Unknown" | "Revoked" | "TimeInvalid";

export type UserCertificateDecision =
  | { accepted: true; user: UserRecord }
  | { accepted: false; reason: UserCertificateRefusal };

const userTokenGroup = "DefaultUserTokenGroup";

/**
 * X509IdentityToken sign-in. A certificate stands for a user when an administrator bound its
 * thumbprint to the user, or when this CA issued it in the DefaultUserTokenGroup to an
 * ApplicationId bound to the user (so renewals need no new binding). A certificate this CA
 * issued and then revoked, or one outside its validity period, is refused even if bound.
 * Proof of possession of the key is node-opcua's part (the token signature).
 */
export class UserCertificates {
  constructor(
    private readonly store: UserStore,
    private readonly issued: IssuedCertificateStatus,
    private readonly clock: Clock,
    private readonly log: Logger,
    private readonly audit?: AuditTrail,
  ) {}

  /** Session activation: decides, and logs and audits a refusal. */
  async signIn(certificate: Buffer): Promise<UserCertificateDecision> {
    const decision = await this.resolve(certificate);
    if (decision.accepted) {
      this.log.info({ userName: decision.user.userName, thumbprint: thumbprintOf(certificate) },
        "user certificate accepted");
      return decision;
    }
    const thumbprint = thumbprintOf(certificate);
    this.log.warn({ thumbprint, reason: decision.reason }, "user certificate refused");
    await this.audit?.record("user.signin.refused", "anonymous",
      { thumbprint, reason: decision.reason });
    return decision;
  }

  /**
   * The user a certificate stands for now. Method calls ask again each time, so that a
   * revocation or an unbinding takes effect in sessions already open.
   */
  async userOf(certificate: Buffer): Promise<UserRecord | undefined> {
    const decision = await this.resolve(certificate);
    return decision.accepted ? decision.user : undefined;
  }

  private async resolve(certificateData: Buffer): Promise<UserCertificateDecision> {
    let certificate: X509Certificate;
    try {
      certificate = new X509Certificate(certificateData);
    } catch {
      return { accepted: false, reason: "Invalid" };
    }
    const der = certificate.raw;
    const { status, record } = await this.issued(der);
    if (status === "Revoked" || status === "TimeInvalid") {
      return { accepted: false, reason: status };
    }
    const now = this.clock.now().getTime();
    if (now < Date.parse(certificate.validFrom) || now > Date.parse(certificate.validTo)) {
      return { accepted: false, reason: "TimeInvalid" };
    }

    const thumbprint = thumbprintOf(der);
    const users = await this.store.list();
    const pinned = users.find((user) => user.certificateThumbprints?.includes(thumbprint));
    if (pinned) return { accepted: true, user: pinned };
    if (status === "Good" && record?.certificateGroupId === userTokenGroup) {
      const holder = users.find((user) =>
        user.userTokenApplications?.includes(record.applicationId));
      if (holder) return { accepted: true, user: holder };
    }
    return { accepted: false, reason: "Unknown" };
  }
}

/** The OPC UA thumbprint: SHA-1 of the DER, upper-case hex. */
export function thumbprintOf(der: Buffer): string {
  return createHash("sha1").update(der).digest("hex").toUpperCase();
}
