import "reflect-metadata";
import { createHash, randomBytes } from "node:crypto";
import { performance } from "node:perf_hooks";
import type { CertificateAuthority } from "../src/ca/authority.js";
import { issueApplicationCertificate } from "../src/ca/certificate-issuer.js";
import { distinguishedNameText } from "../src/ca/distinguished-name-text.js";
import type { CertificateProfile } from "../src/ca/certificate-profile.js";
import { generateSerialNumber } from "../src/ca/serial-number.js";
import type { Signer } from "../src/keys/signer.js";
import type { GdsStore } from "../src/store/store.js";
import { application, issue } from "./issuing-path.js";

export interface IssuancePhasesInput {
  csrs: Buffer[];
  /** A signer that costs nothing, so that only the work around the signature is timed. */
  signer: Signer;
  authority: CertificateAuthority;
  store: GdsStore;
  profile: CertificateProfile;
}

/** Mean microseconds per certificate of each step, timed one certificate at a time. */
export type IssuancePhases = Record<string, number>;

const steps = {
  check: "checkSigningRequest (parse, verify, policy)",
  build: "  build + encode certificate",
  subject: "  subject Name to text",
  thumbprint: "  thumbprint (sha1)",
  insert: "  nedb certificates.insert (awaited)",
  issueDirect: "issueDirect (free signer), all of it",
  whole: "whole issuance without the signature",
} as const;

/**
 * The whole path (checkSigningRequest, issueDirect) timed, and the parts of issueDirect that
 * can be called on their own timed separately on the same inputs: building the certificate,
 * the subject as text and the thumbprint for its record, and the store insert (a copy of the
 * record just stored, with a fresh serial and thumbprint). Store times are wall time,
 * the file append included.
 */
export async function measureIssuancePhases(input: IssuancePhasesInput): Promise<IssuancePhases> {
  const { csrs, signer, authority, store, profile } = input;
  const totals = new Map<string, number>();
  const time = async <T>(step: string, operation: () => T | Promise<T>): Promise<T> => {
    const started = performance.now();
    const result = await operation();
    totals.set(step, (totals.get(step) ?? 0) + (performance.now() - started) * 1000);
    return result;
  };

  for (const csr of csrs) {
    const { applicationUri, certificateTypeId } = application;
    const checked = await time(steps.check,
      () => authority.checkSigningRequest(csr, applicationUri, certificateTypeId));
    const record = await time(steps.issueDirect, () => issue(authority, csr));

    const certificate = await time(steps.build, () => issueApplicationCertificate({
      signer, issuer: { certificateDer: authority.certificate() }, subject: checked.subject,
      publicKeyInfo: checked.publicKeyInfo, applicationUri, dnsNames: checked.hosts,
      ipAddresses: [], profile, serialNumber: generateSerialNumber(), notBefore: new Date(),
    }));
    await time(steps.subject, () => distinguishedNameText(checked.subject));
    await time(steps.thumbprint, () => createHash("sha1").update(certificate).digest("hex"));
    await time(steps.insert, () => store.certificates.insert({
      ...record, serialNumber: generateSerialNumber(), thumbprint: randomBytes(20).toString("hex"),
    }));
  }

  totals.set(steps.whole, totals.get(steps.check)! + totals.get(steps.issueDirect)!);
  const order = [steps.check, steps.issueDirect, steps.build, steps.subject, steps.thumbprint,
    steps.insert, steps.whole];
  return Object.fromEntries(order.map((step) => [step, totals.get(step)! / csrs.length]));
}
