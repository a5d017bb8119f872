import { randomBytes, randomUUID } from "node:crypto";
import type { TrustListContent } from "../core/issuing.js";
import type { ApplicationRecord, IssuedCertificateRecord } from "../core/records.js";
import type { CertificateAuthority } from "../ca/authority.js";
import type { CertificateGroups } from "../gds/certificate-groups.js";
import { discoveryHosts } from "../gds/application-record-check.js";
import type { PushSteps } from "./push-steps.js";
import { PushFailure, type PushConnector, type TargetConnection } from "./push-target-port.js";

/** A regenerated key needs a nonce of at least 32 bytes (Part 12 7.10.9). */
const nonceBytes = 32;

export type PushAuthority = Pick<CertificateAuthority,
  "checkSigningRequest" | "issueDirect" | "issuerCertificates" | "trustList" | "crlNumber"
  | "certificate">;

export interface CertificateUpdateInput {
  connection: TargetConnection;
  connector: PushConnector;
  endpointUrl: string;
  application: ApplicationRecord;
  certificateGroupId: string;
  trustList: TrustListContent;
  authority: PushAuthority;
  groups: CertificateGroups;
  /** How often GetEndpoints is asked before the new certificate counts as not confirmed. */
  confirmAttempts: number;
  confirmDelayMs: number;
}

/**
 * The Part 12 push sequence for a new certificate: the trust list goes first so that the target
 * can verify its new chain, then a CSR from a regenerated key, signed by the same CA path as the
 * pull side under the registered ApplicationUri, then UpdateCertificate and ApplyChanges in the
 * same session, and finally a fresh channel to confirm what the target serves.
 */
export async function updateCertificate(
  input: CertificateUpdateInput,
  steps: PushSteps,
): Promise<IssuedCertificateRecord> {
  const { connection, application, certificateGroupId: groupId, authority } = input;
  const { group, certificateTypeId } = input.groups.resolve(groupId, undefined);

  // 1. Trust list: our CA and CRL, so the target accepts the chain it is about to receive.
  await steps.run("WriteTrustList", () => connection.writeTrustList(groupId, input.trustList));

  // 2. A new key on the target; its private key never leaves the target.
  const csr = await steps.run("CreateSigningRequest", () =>
    connection.createSigningRequest(groupId, certificateTypeId, randomBytes(nonceBytes)));

  // 3. The same checks as StartSigningRequest: signature, key, the registered ApplicationUri.
  const checked = await steps.run("CheckSigningRequest", async () => {
    const result = authority.checkSigningRequest(csr, application.applicationUri,
      certificateTypeId);
    const hosts = result.hosts.length > 0
      ? result.hosts
      : discoveryHosts(application.discoveryUrls);
    input.groups.checkRequest(group, application, hosts);
    return { ...result, hosts };
  });

  // 4. Issue, under the registered application, like an automatically approved pull request.
  const issued = await steps.run("IssueCertificate", () => authority.issueDirect({
    ...checked,
    applicationUri: application.applicationUri,
    applicationId: application.applicationId,
    requestId: `push:${randomUUID()}`,
    certificateGroupId: groupId,
    certificateTypeId,
  }));
  const certificate = Buffer.from(issued.der, "base64");

  // 5. Deliver and apply in this session: staged changes belong to it.
  await steps.run("UpdateCertificate", () => connection.updateCertificate(groupId,
    certificateTypeId, certificate, authority.issuerCertificates()));
  await steps.run("ApplyChanges", () => connection.applyChanges());
  await connection.close();

  // 6. A fresh channel must see the new certificate; the target may still be restarting.
  await steps.run("ConfirmCertificate", () => confirmServed(input, certificate));
  return issued;
}

async function confirmServed(input: CertificateUpdateInput, certificate: Buffer) {
  let lastError: unknown;
  for (let attempt = 0; attempt < input.confirmAttempts; attempt++) {
    if (attempt > 0) await new Promise((done) => setTimeout(done, input.confirmDelayMs));
    try {
      const served = await input.connector.servedCertificate(input.endpointUrl);
      if (served.equals(certificate)) return;
      lastError = undefined;
    } catch (error) {
      lastError = error;
    }
  }
  if (lastError instanceof PushFailure && lastError.outcome !== "TargetUnreachable") {
    throw lastError;
  }
  throw new PushFailure("NotConfirmed", "BadCertificateInvalid",
    "the target accepted the certificate but does not serve it (it may need a restart)");
}
