import { randomUUID } from "node:crypto";
import type { AuditTrail } from "../core/audit-trail.js";
import { noCertificateEvents, type CertificateEvents } from "../core/certificate-events.js";
import type { Clock } from "../core/clock.js";
import { GdsError } from "../core/errors.js";
import type {
  ApplicationRecord,
  CertificateRequestRecord,
  IssuedCertificateRecord,
} from "../core/records.js";
import type { Logger } from "../log/logger.js";
import type { GdsStore } from "../store/store.js";
import { discoveryHosts } from "./application-record-check.js";
import type { Authority } from "./authority.js";
import { actorName, type Caller } from "./caller.js";
import { eventCaller, reportingFailure } from "./certificate-event-report.js";
import type { CertificateGroup, CertificateGroups } from "./certificate-groups.js";
import {
  newKeyPairParameters, type KeyPairs, type NewKeyPairInput,
} from "./new-key-pair-parameters.js";
import { requireAdministrator, requireCertificateRights } from "./rights.js";

/** Encryption at rest under a key that stays in the HSM. */
export interface SecretSealer {
  seal(plaintext: Buffer, associatedData: string): Promise<string>;
  open(sealed: string, associatedData: string): Promise<Buffer>;
}

export interface FinishedRequest {
  certificate: Buffer;
  privateKey: Buffer | undefined;
  issuerCertificates: Buffer[];
}

/**
 * Part 12 certificate requests: StartSigningRequest and StartNewKeyPairRequest open one,
 * the group's policy issues it at once or holds it for an administrator, FinishRequest
 * collects the result. A GDS-generated private key is sealed while it waits and wiped once
 * delivered.
 */
export class CertificateRequests {
  private readonly deciding = new Set<string>();

  constructor(
    private readonly store: GdsStore,
    private readonly authority: Authority,
    private readonly groups: CertificateGroups,
    private readonly keyPairs: KeyPairs,
    private readonly sealer: SecretSealer,
    private readonly audit: AuditTrail,
    private readonly clock: Clock,
    private readonly log: Logger,
    private readonly events: CertificateEvents = noCertificateEvents,
  ) {}

  async startSigningRequest(
    caller: Caller,
    applicationId: string,
    groupId: string | undefined,
    typeId: string | undefined,
    csr: Buffer,
  ): Promise<string> {
    const event = { kind: "CertificateRequested", method: "StartSigningRequest", applicationId,
      certificateGroupId: groupId, certificateTypeId: typeId } as const;
    return reportingFailure(this.events, caller, event, async () => {
      requireCertificateRights(caller, applicationId);
      const application = await this.application(applicationId);
      const { group, certificateTypeId } = this.groups.resolve(groupId, typeId);
      if (csr.length === 0) {
        throw new GdsError("InvalidArgument", "the CertificateRequest is empty");
      }
      const checked = this.authority.checkSigningRequest(
        csr, application.applicationUri, certificateTypeId);
      this.groups.checkRequest(group, application, hostsFor(application, checked.hosts));

      const requestId = await this.open(caller, group, {
        applicationId,
        certificateGroupId: group.id,
        certificateTypeId,
        kind: "signing",
        csr: csr.toString("base64"),
      });
      this.events.raise({ ...event, ...eventCaller(caller), status: true, requestId,
        certificateGroupId: group.id, certificateTypeId });
      return requestId;
    });
  }

  async startNewKeyPairRequest(
    caller: Caller,
    applicationId: string,
    groupId: string | undefined,
    typeId: string | undefined,
    input: NewKeyPairInput,
  ): Promise<string> {
    const event = { kind: "CertificateRequested", method: "StartNewKeyPairRequest", applicationId,
      certificateGroupId: groupId, certificateTypeId: typeId } as const;
    return reportingFailure(this.events, caller, event, async () => {
      requireCertificateRights(caller, applicationId);
      const application = await this.application(applicationId);
      const { group, certificateTypeId } = this.groups.resolve(groupId, typeId);
      const parameters = newKeyPairParameters(this.keyPairs, application, input);
      this.groups.checkRequest(group, application, hostsFor(application, parameters.domainNames));

      const requestId = randomUUID();
      const key = await this.keyPairs.generate(certificateTypeId);
      const secret = JSON.stringify({
        privateKey: key.privateKey.toString("base64"),
        password: input.privateKeyPassword,
      });
      await this.open(caller, group, {
        applicationId,
        certificateGroupId: group.id,
        certificateTypeId,
        kind: "newKeyPair",
        newKeyPair: parameters,
        publicKeyInfo: key.publicKeyInfo.toString("base64"),
        sealedPrivateKey: await this.sealer.seal(Buffer.from(secret), requestId),
      }, requestId);
      this.events.raise({ ...event, ...eventCaller(caller), status: true, requestId,
        certificateGroupId: group.id, certificateTypeId });
      return requestId;
    });
  }

  async finishRequest(
    caller: Caller,
    applicationId: string,
    requestId: string,
  ): Promise<FinishedRequest> {
    const event = { kind: "CertificateDelivered", method: "FinishRequest", applicationId,
      requestId } as const;
    return reportingFailure(this.events, caller, event, async () => {
      const { issued, ...finished } = await this.deliver(caller, applicationId, requestId);
      // Every answer that carries the certificate is a delivery, repeated ones included.
      this.events.raise({ ...event, ...eventCaller(caller), status: true,
        certificateGroupId: issued.certificateGroupId, certificateTypeId: issued.certificateTypeId,
        serialNumber: issued.serialNumber, thumbprint: issued.thumbprint,
        certificate: finished.certificate });
      return finished;
    });
  }

  private async deliver(
    caller: Caller,
    applicationId: string,
    requestId: string,
  ): Promise<FinishedRequest & { issued: IssuedCertificateRecord }> {
    requireCertificateRights(caller, applicationId);
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

    const issued = request.serialNumber
      ? await this.store.certificates.getBySerial(request.serialNumber)
      : undefined;
    if (!issued) throw new GdsError("Internal", "the issued certificate is missing");
    const certificate = Buffer.from(issued.der, "base64");
    const issuerCertificates = this.authority.issuerCertificates();
    const privateKey = request.sealedPrivateKey
      ? await this.unsealPackage(request, certificate, issuerCertificates)
      : undefined;

    if (request.state !== "finished" || request.sealedPrivateKey) {
      // The private key leaves the store with this answer: it is delivered once only.
      const { sealedPrivateKey: _delivered, ...rest } = request;
      await this.store.requests.replace({ ...rest, state: "finished", updatedAt: this.now() });
      await this.audit.record("certificate.delivered", actorName(caller), {
        requestId, applicationId, serialNumber: issued.serialNumber,
        thumbprint: issued.thumbprint, keyDelivered: privateKey !== undefined,
      });
    }
    return { certificate, privateKey, issuerCertificates, issued };
  }

  async list(caller: Caller, state?: CertificateRequestRecord["state"]) {
    requireAdministrator(caller, "RegistrationAuthorityAdmin", "CertificateAuthorityAdmin",
      "Operator");
    const requests = await this.store.requests.list(state);
    return requests.map(({ csr: _csr, sealedPrivateKey: _key, publicKeyInfo: _pk, ...rest }) =>
      rest);
  }

  /** An administrator approves a pending request: it is issued now. */
  async approve(caller: Caller, requestId: string): Promise<IssuedCertificateRecord> {
    requireAdministrator(caller, "RegistrationAuthorityAdmin", "CertificateAuthorityAdmin");
    return this.decide(requestId, async (request) => {
      const decided = { ...request, decidedBy: actorName(caller), decidedAt: this.now() };
      const issued = await this.issueAndRecord(decided, "replace");
      await this.audit.record("certificate.approved", actorName(caller), {
        requestId, applicationId: request.applicationId, serialNumber: issued.serialNumber,
      });
      return issued;
    });
  }

  async reject(caller: Caller, requestId: string, reason: string): Promise<void> {
    requireAdministrator(caller, "RegistrationAuthorityAdmin", "CertificateAuthorityAdmin");
    await this.decide(requestId, async (request) => {
      const { sealedPrivateKey: _wiped, ...rest } = request;
      await this.store.requests.replace({
        ...rest,
        state: "rejected",
        rejectionReason: reason.slice(0, 500),
        decidedBy: actorName(caller),
        decidedAt: this.now(),
        updatedAt: this.now(),
      });
      this.log.info({ requestId, actor: actorName(caller) }, "certificate request rejected");
      await this.audit.record("certificate.rejected", actorName(caller), {
        requestId, applicationId: request.applicationId,
      });
    });
  }

  /** Stores a new request and, under an automatic policy, issues it at once. */
  private async open(
    caller: Caller,
    group: CertificateGroup,
    fields: Pick<CertificateRequestRecord, "applicationId" | "certificateGroupId"
      | "certificateTypeId" | "kind" | "csr" | "newKeyPair" | "publicKeyInfo"
      | "sealedPrivateKey">,
    requestId: string = randomUUID(),
  ): Promise<string> {
    const now = this.now();
    const request: CertificateRequestRecord = {
      ...fields, requestId, state: "pending", requestedBy: actorName(caller),
      createdAt: now, updatedAt: now,
    };
    const recordRequest = () => this.audit.record("certificate.requested", actorName(caller), {
      requestId, applicationId: request.applicationId, kind: request.kind,
      certificateGroupId: group.id, certificateTypeId: request.certificateTypeId,
      approval: group.approval,
    });

    if (group.approval === "manual") {
      await recordRequest();
      await this.store.requests.insert(request);
      this.log.info({ requestId, applicationId: request.applicationId },
        "request held for approval");
      return requestId;
    }
    await this.issueAndRecord(request, "insert", recordRequest);
    return requestId;
  }

  /**
   * Issues the request's certificate, then writes the request as issued. The certificate is
   * stored first; if the request cannot be written, the certificate is removed again, so no
   * half-written pair is ever left behind. A request issued as it arrives is audited together
   * with its certificate (`recordRequest`), two records in one durable write, or alone when
   * issuing fails; when the records fail, both writes are undone.
   */
  private async issueAndRecord(
    request: CertificateRequestRecord,
    write: "insert" | "replace",
    recordRequest?: () => Promise<void>,
  ): Promise<IssuedCertificateRecord> {
    let issued: IssuedCertificateRecord;
    let application: ApplicationRecord;
    try {
      application = await this.application(request.applicationId);
      issued = await this.issueAndWrite(request, application, write);
    } catch (error) {
      await recordRequest?.();
      throw error;
    }

    this.log.info(
      { requestId: request.requestId, applicationId: application.applicationId,
        serialNumber: issued.serialNumber, thumbprint: issued.thumbprint },
      "certificate issued",
    );
    // Both appends are made in this tick: the audit trail writes them in one batch.
    const recorded = Promise.all([recordRequest?.(), this.audit.record("certificate.issued",
      request.decidedBy ?? request.requestedBy, {
        requestId: request.requestId, applicationId: application.applicationId,
        serialNumber: issued.serialNumber, thumbprint: issued.thumbprint,
        notAfter: issued.notAfter,
      })]);
    // The records come after the writes: if they fail, the writes are undone, so that no
    // certificate the trail may not hold stays issued for FinishRequest to hand out.
    await recorded.catch(async (error: unknown) => {
      this.log.error({ requestId: request.requestId, serialNumber: issued.serialNumber },
        "issued certificate withdrawn: the audit trail did not take it");
      await (write === "insert" ? this.store.requests.remove(request.requestId)
        : this.store.requests.replace(request));
      await this.store.certificates.remove(issued.serialNumber);
      throw error;
    });
    return issued;
  }

  private async issueAndWrite(
    request: CertificateRequestRecord,
    application: ApplicationRecord,
    write: "insert" | "replace",
  ): Promise<IssuedCertificateRecord> {
    const issued = await this.authority.issueDirect({
      ...this.subjectAndKey(request, application),
      applicationUri: application.applicationUri,
      applicationId: application.applicationId,
      requestId: request.requestId,
      certificateGroupId: request.certificateGroupId,
      certificateTypeId: request.certificateTypeId,
    });

    const updated: CertificateRequestRecord = {
      ...request, state: "issued", serialNumber: issued.serialNumber, updatedAt: this.now(),
    };
    try {
      await (write === "insert"
        ? this.store.requests.insert(updated)
        : this.store.requests.replace(updated));
    } catch (error) {
      await this.store.certificates.remove(issued.serialNumber);
      throw error;
    }
    return issued;
  }

  private subjectAndKey(request: CertificateRequestRecord, application: ApplicationRecord) {
    if (request.kind === "signing") {
      const checked = this.authority.checkSigningRequest(Buffer.from(request.csr ?? "", "base64"),
        application.applicationUri, request.certificateTypeId);
      return { ...checked, hosts: hostsFor(application, checked.hosts) };
    }
    const parameters = request.newKeyPair!;
    return {
      subject: this.keyPairs.subjectName(parameters.subjectName),
      publicKeyInfo: Buffer.from(request.publicKeyInfo ?? "", "base64"),
      hosts: hostsFor(application, parameters.domainNames),
    };
  }

  private async unsealPackage(
    request: CertificateRequestRecord,
    certificate: Buffer,
    issuerCertificates: Buffer[],
  ): Promise<Buffer> {
    const secret = JSON.parse(
      (await this.sealer.open(request.sealedPrivateKey!, request.requestId)).toString("utf8"),
    ) as { privateKey: string; password: string };
    return this.keyPairs.package({
      format: request.newKeyPair?.privateKeyFormat ?? "PEM",
      privateKey: Buffer.from(secret.privateKey, "base64"),
      certificate,
      issuerCertificates,
      password: secret.password,
    });
  }

  /** Runs a decision on a pending request; a second decision at the same time is refused. */
  private async decide<T>(
    requestId: string,
    decision: (request: CertificateRequestRecord) => Promise<T>,
  ): Promise<T> {
    if (this.deciding.has(requestId)) {
      throw new GdsError("InvalidState", "the request is being decided already");
    }
    this.deciding.add(requestId);
    try {
      const request = await this.store.requests.get(requestId);
      if (!request) throw new GdsError("NotFound", "no such request");
      if (request.state !== "pending") {
        throw new GdsError("InvalidState", "the request is not waiting for a decision");
      }
      return await decision(request);
    } finally {
      this.deciding.delete(requestId);
    }
  }

  private async application(applicationId: string): Promise<ApplicationRecord> {
    const record = await this.store.applications.get(applicationId);
    if (!record) throw new GdsError("NotFound", "no application with this ApplicationId");
    return record;
  }

  private now(): string {
    return this.clock.now().toISOString();
  }
}

/** The request's own hosts, or the registered DiscoveryUrl hosts when it names none. */
function hostsFor(application: ApplicationRecord, requested: string[]): string[] {
  return requested.length > 0 ? requested : discoveryHosts(application.discoveryUrls);
}
