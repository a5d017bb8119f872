import { X509Certificate } from "node:crypto";
import type { AuditTrail } from "../core/audit-trail.js";
import type { Clock } from "../core/clock.js";
import { GdsError, isGdsError } from "../core/errors.js";
import type { PushAttempt, PushKind, PushTargetRecord } from "../core/push-records.js";
import type { ApplicationRecord } from "../core/records.js";
import { actorName, type Caller } from "../gds/caller.js";
import { requireAdministrator } from "../gds/rights.js";
import type { Logger } from "../log/logger.js";
import type { PushTargetStore } from "../store/push-target-store.js";
import { AttemptQueue } from "./attempt-queue.js";
import {
  runAttempt,
  targetAddress,
  type AttemptContext,
} from "./push-attempt.js";
import type { PushBatch, PushService, PushTargetInput, PushTargetStatus } from "./push-service.js";
import { nextRetryAt, type Backoff } from "./push-backoff.js";
import {
  credentialUser,
  openIdentity,
  sealCredentials,
  type TargetCredentialInput,
} from "./target-credentials.js";
import { composeTrustList } from "./trust-list-composition.js";

export interface PushEngineOptions extends AttemptContext {
  targets: PushTargetStore;
  applications: { get(applicationId: string): Promise<ApplicationRecord | undefined> };
  audit: AuditTrail;
  clock: Clock;
  log: Logger;
  /** A certificate is renewed this long before its notAfter. */
  renewalWindowMs: number;
  /** Targets worked on at the same time. */
  concurrency: number;
  /** Attempts kept per target. */
  historySize: number;
  backoff: Backoff;
}

const actor = "security-handler";

/**
 * The push engine: keeps the targets, runs attempts on them (one at a time per target, a
 * bounded number overall), records every outcome, and decides what is due.
 */
export class PushEngine implements PushService {
  private readonly queue: AttemptQueue;

  constructor(private readonly options: PushEngineOptions) {
    this.queue = new AttemptQueue(options.concurrency);
  }

  async enable(caller: Caller, input: PushTargetInput): Promise<PushTargetStatus> {
    requireAdministrator(caller, "SecurityAdmin");
    const application = await this.options.applications.get(input.applicationId);
    if (!application) throw new GdsError("NotFound", "no application with this ApplicationId");
    checkTargetInput(application, input);
    const certificateGroupId = input.certificateGroupId ?? "DefaultApplicationGroup";
    this.options.groups.resolve(certificateGroupId, undefined);

    const existing = await this.options.targets.get(input.applicationId);
    const credentials = await sealCredentials(this.options.sealer, input.applicationId,
      credentialInput(input));
    const record: PushTargetRecord = {
      // A changed endpoint or user keeps the history and what the target was last given.
      ...existing,
      applicationId: input.applicationId,
      endpointUrl: input.endpointUrl,
      credentials,
      certificateGroupId,
      extraTrustedCertificates: (input.extraTrustedCertificates ?? [])
        .map((der) => der.toString("base64")),
      enabled: true,
      enabledBy: actorName(caller),
      createdAt: existing?.createdAt ?? this.options.clock.now().toISOString(),
      failures: 0,
      retryAt: undefined,
      attempts: existing?.attempts ?? [],
    };
    await this.options.targets.put(record);
    await this.options.audit.record("push.target.added", actorName(caller), {
      applicationId: input.applicationId, endpointUrl: input.endpointUrl,
      userName: credentialUser(credentials), credentialKind: credentials.kind,
    });
    this.options.log.info({ applicationId: input.applicationId, endpointUrl: input.endpointUrl },
      "push target enabled");
    return toStatus(record, application);
  }

  async disable(caller: Caller, applicationId: string): Promise<void> {
    requireAdministrator(caller, "SecurityAdmin");
    if (!(await this.options.targets.remove(applicationId))) {
      throw new GdsError("NotFound", "no push target for this application");
    }
    await this.options.audit.record("push.target.removed", actorName(caller), { applicationId });
    this.options.log.info({ applicationId }, "push target disabled");
  }

  /** An application left the directory: its server is no longer ours to manage. */
  async forget(applicationId: string, actor: string): Promise<void> {
    if (!(await this.options.targets.remove(applicationId))) return;
    await this.options.audit.record("push.target.removed", actor,
      { applicationId, reason: "application unregistered" });
    this.options.log.info({ applicationId }, "push target removed with its application");
  }

  async pushNow(caller: Caller, ids: string[] | "all", kind: PushKind): Promise<PushBatch> {
    requireAdministrator(caller, "SecurityAdmin");
    const applicationIds = ids === "all"
      ? (await this.options.targets.list()).map((target) => target.applicationId)
      : ids;
    for (const applicationId of applicationIds) {
      if (!(await this.options.targets.get(applicationId))) {
        throw new GdsError("NotFound", "no push target for this application");
      }
    }
    return {
      applicationIds,
      startedAt: this.options.clock.now().toISOString(),
      completion: Promise.all(applicationIds.map((id) => this.attempt(id, kind))),
    };
  }

  async status(caller: Caller, applicationId?: string): Promise<PushTargetStatus[]> {
    requireAdministrator(caller, "SecurityAdmin", "Operator");
    const targets = applicationId
      ? [await this.options.targets.get(applicationId)].filter((target) => target !== undefined)
      : await this.options.targets.list();
    if (applicationId && targets.length === 0) {
      throw new GdsError("NotFound", "no push target for this application");
    }
    return Promise.all(targets.map(async (target) =>
      toStatus(target, await this.options.applications.get(target.applicationId))));
  }

  async rejectedList(caller: Caller, applicationId: string): Promise<Buffer[]> {
    requireAdministrator(caller, "SecurityAdmin");
    const target = await this.options.targets.get(applicationId);
    if (!target) throw new GdsError("NotFound", "no push target for this application");
    const application = await this.options.applications.get(applicationId);
    if (!application) throw new GdsError("NotFound", "no application with this ApplicationId");
    const identity = await openIdentity(this.options.sealer, applicationId, target.credentials);
    try {
      const connection = await this.options.connector.open(
        targetAddress(this.options, target, application, identity));
      try {
        return await connection.rejectedList();
      } finally {
        await connection.close();
      }
    } catch (error) {
      if (isGdsError(error)) throw error;
      const message = error instanceof Error ? error.message : "the target cannot be read";
      throw new GdsError("InvalidState", message, error);
    }
  }

  /**
   * What is due now: a certificate inside the renewal window (or none delivered yet), else a
   * trust list that differs from the one last written (a new CRL, a changed extra list).
   * Targets in backoff wait; targets already being worked on are left alone.
   */
  async runDue(): Promise<PushAttempt[]> {
    const now = this.options.clock.now().getTime();
    const due: Array<Promise<PushAttempt>> = [];
    for (const target of await this.options.targets.list()) {
      if (!target.enabled || this.queue.busy(target.applicationId)) continue;
      if (target.retryAt && Date.parse(target.retryAt) > now) continue;
      const kind = this.dueKind(target, now);
      if (kind) due.push(this.attempt(target.applicationId, kind));
    }
    return Promise.all(due);
  }

  private dueKind(target: PushTargetRecord, now: number): PushKind | undefined {
    if (!target.notAfter || Date.parse(target.notAfter) - this.options.renewalWindowMs <= now) {
      return "certificate";
    }
    const { digest } = composeTrustList(this.options.authority, target);
    return digest === target.trustListDigest ? undefined : "trustList";
  }

  private attempt(applicationId: string, kind: PushKind): Promise<PushAttempt> {
    return this.queue.run(applicationId, async () => {
      const target = await this.options.targets.get(applicationId);
      if (!target) throw new GdsError("NotFound", "no push target for this application");
      const application = await this.options.applications.get(applicationId);
      const at = this.options.clock.now();
      const result = await runAttempt(this.options, target, application, kind, at);
      await this.record(applicationId, result);
      return result.attempt;
    });
  }

  private async record(
    applicationId: string,
    result: Awaited<ReturnType<typeof runAttempt>>,
  ): Promise<void> {
    const { attempt, issued } = result;
    // Re-read: the target may have been changed or disabled while the attempt ran.
    const current = await this.options.targets.get(applicationId);
    const ok = attempt.outcome === "Succeeded";
    if (current) {
      const failures = ok ? 0 : current.failures + 1;
      await this.options.targets.replace({
        ...current,
        serialNumber: issued?.serialNumber ?? current.serialNumber,
        notAfter: issued?.notAfter ?? current.notAfter,
        crlNumber: ok ? attempt.crlNumber : current.crlNumber,
        trustListDigest: result.trustListDigest ?? current.trustListDigest,
        failures,
        retryAt: ok ? undefined
          : nextRetryAt(this.options.backoff, failures, new Date(attempt.at)).toISOString(),
        attempts: [attempt, ...current.attempts].slice(0, this.options.historySize),
      }).catch((error: unknown) => {
        if (!(isGdsError(error) && error.code === "NotFound")) throw error;
      });
    }

    const details = {
      applicationId, kind: attempt.kind, outcome: attempt.outcome,
      statusCode: attempt.statusCode, steps: attempt.steps.map((step) => step.name),
      ...(attempt.serialNumber ? { serialNumber: attempt.serialNumber } : {}),
      ...(attempt.crlNumber ? { crlNumber: attempt.crlNumber } : {}),
    };
    await this.options.audit.record(ok ? "push.succeeded" : "push.failed", actor, details);
    if (ok && result.trustListDigest) {
      await this.options.audit.record("trustlist.pushed", actor,
        { applicationId, crlNumber: attempt.crlNumber ?? "" });
    }
    const fields = { ...details, message: attempt.message };
    if (ok) this.options.log.info(fields, "push succeeded");
    else this.options.log.warn(fields, "push failed");
  }
}

function checkTargetInput(application: ApplicationRecord, input: PushTargetInput): void {
  if (application.applicationType === 1) {
    throw new GdsError("RequestNotAllowed", "a client application has no server to push to");
  }
  let url: URL;
  try {
    url = new URL(input.endpointUrl);
  } catch {
    throw new GdsError("InvalidArgument", "EndpointUrl must be an opc.tcp URL");
  }
  if (url.protocol !== "opc.tcp:" || !url.hostname) {
    throw new GdsError("InvalidArgument", "EndpointUrl must be an opc.tcp URL");
  }
  for (const der of input.extraTrustedCertificates ?? []) {
    try {
      new X509Certificate(der);
    } catch {
      throw new GdsError("CertificateInvalid", "a trusted certificate does not parse");
    }
  }
}

/** Exactly one credential: a user name and password, or a user certificate and its key. */
function credentialInput(input: PushTargetInput): TargetCredentialInput {
  const x509 = input.userCertificate !== undefined || input.userPrivateKey !== undefined;
  if (x509 && (input.userName || input.password)) {
    throw new GdsError("InvalidArgument",
      "give either UserName and Password or a user certificate and key, not both");
  }
  if (!x509) return { userName: input.userName ?? "", password: input.password ?? "" };
  if (!input.userCertificate?.length || !input.userPrivateKey?.length) {
    throw new GdsError("InvalidArgument", "UserCertificate and UserPrivateKey are required");
  }
  return { userCertificate: input.userCertificate, userPrivateKey: input.userPrivateKey };
}

function toStatus(
  target: PushTargetRecord,
  application: ApplicationRecord | undefined,
): PushTargetStatus {
  return {
    applicationId: target.applicationId,
    applicationUri: application?.applicationUri ?? "",
    endpointUrl: target.endpointUrl,
    userName: credentialUser(target.credentials),
    credentialKind: target.credentials.kind,
    certificateGroupId: target.certificateGroupId,
    serialNumber: target.serialNumber,
    notAfter: target.notAfter,
    crlNumber: target.crlNumber,
    failures: target.failures,
    retryAt: target.retryAt,
    lastOutcome: target.attempts[0]?.outcome ?? "None",
    attempts: target.attempts,
  };
}
