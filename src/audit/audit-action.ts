/**
 * What the audit trail records. Names are `subject.verb` so that a reader can filter with a
 * prefix (`certificate.`, `push.`); new actions are added here and nowhere else.
 */
export const auditActions = [
  "application.registered",
  "application.updated",
  "application.unregistered",
  "certificate.requested",
  "certificate.approved",
  "certificate.rejected",
  "certificate.issued",
  "certificate.delivered",
  "certificate.revoked",
  "crl.published",
  "user.created",
  "user.updated",
  "user.removed",
  "user.signin.refused",
  "push.target.added",
  "push.target.removed",
  "push.attempted",
  "push.succeeded",
  "push.failed",
  "trustlist.pushed",
  // EST enrolment credentials (src/est)
  "est.credential.created",
] as const;

export type AuditAction = (typeof auditActions)[number];

const known: ReadonlySet<string> = new Set(auditActions);

export function isAuditAction(value: unknown): value is AuditAction {
  return typeof value === "string" && known.has(value);
}
