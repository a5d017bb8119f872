import type { Clock } from "../core/clock.js";
import { GdsError, isGdsError } from "../core/errors.js";
import type { IssuedCertificateRecord } from "../core/records.js";
import type { Authority } from "../gds/authority.js";
import type { Caller } from "../gds/caller.js";
import type { CertificateRequests } from "../gds/certificate-requests.js";
import type { Logger } from "../log/logger.js";
import type { CertificateStore, ApplicationStore } from "../store/store.js";
import { sameIdentity } from "./certificate-identity.js";
import type {
  EnrolmentCredentialRecord,
  EnrolmentCredentials,
} from "./enrolment-credentials.js";

export type EnrolmentResult =
  | { state: "issued"; certificate: Buffer; issuerCertificates: Buffer[] }
  | { state: "pending"; requestId: string };

export interface EstEnrolmentOptions {
  /**
   * simplereenroll with an expired certificate is refused unless this many days have not yet
   * passed since its notAfter; 0 (the default) refuses every expired certificate.
   */
  renewAfterExpiryDays: number;
}

const dayMs = 86_400_000;

/**
 * RFC 7030 simpleenroll and simplereenroll as thin layers over Part 12's StartSigningRequest
 * and FinishRequest: the same checks, the same group policy, the same approval. EST only
 * decides who the caller is: the application an enrolment credential was made for, or the
 * application whose current certificate opened the TLS connection.
 */
export class EstEnrolment {
  /** Held re-enrolments by the serial number of the certificate that asked; see README. */
  private readonly heldRenewals = new Map<string, string>();
  private readonly enrolling = new Set<string>();

  constructor(
    private readonly requests: CertificateRequests,
    private readonly credentials: EnrolmentCredentials,
    private readonly authority: Authority,
    private readonly store: { certificates: CertificateStore; applications: ApplicationStore },
    private readonly options: EstEnrolmentOptions,
    private readonly clock: Clock,
    private readonly log: Logger,
  ) {}

  async simpleEnroll(
    credentialId: string,
    password: string,
    csr: Buffer,
    groupId?: string,
  ): Promise<EnrolmentResult> {
    await this.credentials.authenticate(credentialId, password);
    // One-time means one request: a second enrolment racing the first is turned away, and
    // the record is read again once this one holds the credential.
    if (this.enrolling.has(credentialId)) {
      throw new GdsError("InvalidState", "an enrolment with this credential is under way");
    }
    this.enrolling.add(credentialId);
    try {
      return await this.enrolWith(await this.credentials.live(credentialId), csr, groupId);
    } finally {
      this.enrolling.delete(credentialId);
    }
  }

  private async enrolWith(
    credential: EnrolmentCredentialRecord,
    csr: Buffer,
    groupId: string | undefined,
  ): Promise<EnrolmentResult> {
    const credentialId = credential.credentialId;
    const caller = applicationCaller(credential.applicationId, `est:${credentialId}`);

    // A retry after 202 collects the held request; its body is not a new request.
    const requestId = credential.requestId ?? await this.requests.startSigningRequest(
      caller, credential.applicationId, groupId, undefined, csr);
    const result = await this.collect(caller, credential.applicationId, requestId);
    if (result.state === "pending") {
      if (!credential.requestId) await this.credentials.holdFor(credential, requestId);
    } else {
      await this.credentials.spend(credential, requestId);
    }
    return result;
  }

  async simpleReenroll(
    clientCertificate: Buffer | undefined,
    csr: Buffer,
  ): Promise<EnrolmentResult> {
    const current = await this.renewable(clientCertificate);
    const caller = applicationCaller(current.applicationId, `est:${current.serialNumber}`);
    const application = await this.store.applications.get(current.applicationId);
    if (!application) throw new GdsError("UserAccessDenied", "the application is not registered");

    const held = this.heldRenewals.get(current.serialNumber);
    if (!held) {
      const checked = this.authority.checkSigningRequest(
        csr, application.applicationUri, current.certificateTypeId);
      if (!sameIdentity(Buffer.from(current.der, "base64"), checked)) {
        throw new GdsError("InvalidArgument",
          "a renewal must keep the subject and subjectAltName of the current certificate");
      }
    }
    const requestId = held ?? await this.requests.startSigningRequest(caller,
      current.applicationId, current.certificateGroupId, current.certificateTypeId, csr);
    const result = await this.collect(caller, current.applicationId, requestId)
      .catch((error: unknown) => {
        // A rejected renewal is answered once; the next attempt opens a new request.
        this.heldRenewals.delete(current.serialNumber);
        throw error;
      });
    if (result.state === "pending") this.heldRenewals.set(current.serialNumber, requestId);
    else this.heldRenewals.delete(current.serialNumber);
    return result;
  }

  /**
   * The TLS client certificate, if it is the current certificate of a registered application,
   * not revoked, and not expired (beyond the configured grace).
   */
  private async renewable(certificate: Buffer | undefined): Promise<IssuedCertificateRecord> {
    if (!certificate || certificate.length === 0) {
      throw new GdsError("UserAccessDenied", "simplereenroll needs a TLS client certificate");
    }
    const { status, record } = await this.authority.status(certificate);
    if (!record || status === "Unknown") {
      throw new GdsError("UserAccessDenied", "the client certificate was not issued here");
    }
    if (status === "Revoked") {
      this.log.warn({ serialNumber: record.serialNumber },
        "renewal of a revoked certificate refused");
      throw new GdsError("UserAccessDenied", "the client certificate is revoked");
    }
    if (status === "TimeInvalid" && !this.withinGrace(record)) {
      throw new GdsError("UserAccessDenied", "the client certificate has expired");
    }
    const latest = await this.store.certificates.latest(
      record.applicationId, record.certificateGroupId, record.certificateTypeId);
    if (latest?.serialNumber !== record.serialNumber) {
      throw new GdsError("UserAccessDenied", "the client certificate has been replaced already");
    }
    return record;
  }

  private withinGrace(record: IssuedCertificateRecord): boolean {
    const now = this.clock.now().getTime();
    const notAfter = Date.parse(record.notAfter);
    if (now < Date.parse(record.notBefore)) return false;
    return now <= notAfter + this.options.renewAfterExpiryDays * dayMs;
  }

  private async collect(caller: Caller, applicationId: string, requestId: string)
    : Promise<EnrolmentResult> {
    try {
      const finished = await this.requests.finishRequest(caller, applicationId, requestId);
      return {
        state: "issued",
        certificate: finished.certificate,
        issuerCertificates: finished.issuerCertificates,
      };
    } catch (error) {
      if (isGdsError(error) && error.code === "NothingToDo") return { state: "pending", requestId };
      throw error;
    }
  }
}

/**
 * The caller EST acts as: the application itself (ApplicationSelfAdmin), over TLS. It holds
 * no administrator role, so EST can do nothing an application could not do over OPC UA.
 */
function applicationCaller(applicationId: string, name: string): Caller {
  return { userName: name, roles: new Set(), securityMode: "SignAndEncrypt",
    selfAdminOf: applicationId };
}
