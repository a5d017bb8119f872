import { randomBytes } from "node:crypto";
import type { AuditTrail } from "../core/audit-trail.js";
import type { EnrolmentCredentialRecord } from "../core/records.js";
import type { EnrolmentCredentialStore } from "../store/store.js";
import type { Clock } from "../core/clock.js";
import { GdsError } from "../core/errors.js";
import { actorName, type Caller } from "../gds/caller.js";
import { requireAdministrator } from "../gds/rights.js";
import { hashPassword, verifyPassword } from "../identity/password-hash.js";

export type { EnrolmentCredentialRecord, EnrolmentCredentialStore };

export interface IssuedCredential {
  credentialId: string;
  password: string;
  applicationId: string;
  expiresAt: string;
}

const hourMs = 3_600_000;
export const defaultCredentialHours = 24;
export const maxCredentialHours = 24 * 30;
const credentialIdPattern = /^[0-9a-f]{32}$/;

export class EnrolmentCredentials {
  constructor(
    private readonly store: EnrolmentCredentialStore,
    /** Tells whether an ApplicationId is registered; throws NotFound otherwise. */
    private readonly application: (applicationId: string) => Promise<unknown>,
    private readonly audit: AuditTrail,
    private readonly clock: Clock,
  ) {}

  /** An administrator makes a credential; the password is shown once, here, and never again. */
  async create(
    caller: Caller,
    applicationId: string,
    validHours = defaultCredentialHours,
  ): Promise<IssuedCredential> {
    requireAdministrator(caller, "CertificateAuthorityAdmin", "RegistrationAuthorityAdmin");
    if (!Number.isInteger(validHours) || validHours < 1 || validHours > maxCredentialHours) {
      throw new GdsError("InvalidArgument", `validHours must be 1 to ${maxCredentialHours}`);
    }
    await this.application(applicationId);

    const now = this.clock.now();
    const credentialId = randomBytes(16).toString("hex");
    const password = randomBytes(24).toString("base64url");
    const expiresAt = new Date(now.getTime() + validHours * hourMs).toISOString();
    await this.store.insert({
      credentialId, applicationId, secretHash: await hashPassword(password),
      createdBy: actorName(caller), createdAt: now.toISOString(), expiresAt,
    });
    await this.audit.record("est.credential.created", actorName(caller), {
      credentialId, applicationId, expiresAt,
    });
    return { credentialId, password, applicationId, expiresAt };
  }

  /** The live credential these Basic credentials name; anything else is one refusal. */
  async authenticate(credentialId: string, password: string): Promise<EnrolmentCredentialRecord> {
    const record = await this.live(credentialId);
    if (!(await verifyPassword(password, record.secretHash))) throw refusal();
    return record;
  }

  /**
   * The credential as stored now, if still live. The password check takes tens of
   * milliseconds; a caller re-reads the record after it, so that a credential spent meanwhile
   * by a concurrent enrolment is not used twice.
   */
  async live(credentialId: string): Promise<EnrolmentCredentialRecord> {
    if (!credentialIdPattern.test(credentialId)) throw refusal();
    const record = await this.store.get(credentialId);
    if (!record || record.spentAt) throw refusal();
    if (this.clock.now().getTime() >= Date.parse(record.expiresAt)) throw refusal();
    return record;
  }

  async holdFor(record: EnrolmentCredentialRecord, requestId: string): Promise<void> {
    await this.store.replace({ ...record, requestId });
  }

  async spend(record: EnrolmentCredentialRecord, requestId: string): Promise<void> {
    await this.store.replace({ ...record, requestId, spentAt: this.clock.now().toISOString() });
  }
}

function refusal(): GdsError {
  return new GdsError("UserAccessDenied", "the enrolment credential is not valid");
}
