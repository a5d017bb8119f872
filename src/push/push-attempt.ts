import type { ApplicationRecord, IssuedCertificateRecord } from "../core/records.js";
import type { PushAttempt, PushKind, PushTargetRecord } from "../core/push-records.js";
import type { CertificateGroups } from "../gds/certificate-groups.js";
import type { SecretSealer } from "../keys/secret-sealer.js";
import { updateCertificate, type PushAuthority } from "./certificate-update.js";
import { asPushFailure, PushSteps } from "./push-steps.js";
import {
  PushFailure,
  type PushConnector,
  type TargetAddress,
  type TargetUserIdentity,
} from "./push-target-port.js";
import { openIdentity } from "./target-credentials.js";
import { checkTargetIdentity } from "./target-identity.js";
import { composeTrustList } from "./trust-list-composition.js";

export interface AttemptContext {
  authority: PushAuthority;
  groups: CertificateGroups;
  sealer: SecretSealer;
  connector: PushConnector;
  confirmAttempts: number;
  confirmDelayMs: number;
}

export interface AttemptResult {
  attempt: PushAttempt;
  issued?: IssuedCertificateRecord;
  /** Digest of the trust list the target now holds, when it was written and applied. */
  trustListDigest?: string;
}

/** Where and as whom to sign in on a target, and what it must present before we do. */
export function targetAddress(
  context: Pick<AttemptContext, "authority">,
  target: PushTargetRecord,
  application: ApplicationRecord,
  identity: TargetUserIdentity,
): TargetAddress {
  return {
    endpointUrl: target.endpointUrl,
    identity,
    verifyServer: (certificate) => checkTargetIdentity(certificate, {
      applicationUri: application.applicationUri,
      issuedBy: target.serialNumber ? context.authority.certificate() : undefined,
    }),
  };
}

/**
 * One attempt on one target, from signing in to the last step. It never throws: whatever
 * happens is in the returned attempt, with the steps that ran and the outcome.
 *
 * A target closes its channels a moment after it applied a new certificate; a session opened
 * in that moment is cut. When the connection drops before anything was issued (the trust list
 * is written with EraseExisting, so writing it again is safe), the attempt reconnects once.
 * A conforming target may still hold the cut session's staged changes until that session
 * times out there, and answer the redo with BadTransactionPending; the attempt then fails
 * as TargetError and the backoff tries again after that timeout has likely passed.
 */
export async function runAttempt(
  context: AttemptContext,
  target: PushTargetRecord,
  application: ApplicationRecord | undefined,
  kind: PushKind,
  at: Date,
): Promise<AttemptResult> {
  const steps = new PushSteps();
  for (let round = 0; ; round++) {
    try {
      if (!application) {
        throw new PushFailure("TargetError", "BadNotFound", "the application is not registered");
      }
      return await deliver(context, target, application, kind, at, steps);
    } catch (error) {
      const failure = asPushFailure(error, "push");
      if (round === 0 && isRedoable(failure, kind, steps)) {
        await new Promise((resume) => setTimeout(resume, context.confirmDelayMs));
        continue;
      }
      return {
        attempt: {
          at: at.toISOString(), kind, outcome: failure.outcome, statusCode: failure.statusCode,
          message: failure.message, steps: steps.done,
        },
      };
    }
  }
}

const redoableSteps = ["WriteTrustList", "CreateSigningRequest"];

function isRedoable(failure: PushFailure, kind: PushKind, steps: PushSteps): boolean {
  if (failure.outcome !== "TargetUnreachable") return false;
  const names = steps.done.map((step) => step.name);
  if (!steps.done.some((step) => step.name === "Connect" && step.statusCode === "Good")) {
    return false;
  }
  // Nothing issued yet: what the dropped session staged on the target died with it.
  return kind === "trustList" || redoableSteps.includes(names.at(-1) ?? "");
}

async function deliver(
  context: AttemptContext,
  target: PushTargetRecord,
  application: ApplicationRecord,
  kind: PushKind,
  at: Date,
  steps: PushSteps,
): Promise<AttemptResult> {
  const crlNumber = context.authority.crlNumber().toString();
  const { content, digest } = composeTrustList(context.authority, target);
  const identity = await steps.run("OpenCredentials",
    () => openIdentity(context.sealer, target.applicationId, target.credentials));
  const connection = await steps.run("Connect", () =>
    context.connector.open(targetAddress(context, target, application, identity)));
  try {
    if (kind === "certificate") {
      const issued = await updateCertificate({
        connection, connector: context.connector, endpointUrl: target.endpointUrl,
        application, certificateGroupId: target.certificateGroupId, trustList: content,
        authority: context.authority, groups: context.groups,
        confirmAttempts: context.confirmAttempts, confirmDelayMs: context.confirmDelayMs,
      }, steps);
      return {
        attempt: succeeded(at, kind, steps, { serialNumber: issued.serialNumber, crlNumber }),
        issued,
        trustListDigest: digest,
      };
    }

    const applyRequired = await steps.run("WriteTrustList",
      () => connection.writeTrustList(target.certificateGroupId, content));
    if (applyRequired) await steps.run("ApplyChanges", () => connection.applyChanges());
    return { attempt: succeeded(at, kind, steps, { crlNumber }), trustListDigest: digest };
  } finally {
    await connection.close();
  }
}

function succeeded(
  at: Date,
  kind: PushKind,
  steps: PushSteps,
  delivered: { serialNumber?: string; crlNumber: string },
): PushAttempt {
  const message = kind === "certificate"
    ? "the target serves its new certificate"
    : "the target holds the current trust list";
  return {
    at: at.toISOString(), kind, outcome: "Succeeded", statusCode: "Good", message,
    steps: steps.done, ...delivered,
  };
}
