import { PushFailure } from "../push/push-target-port.js";

/** Status codes a target answers when it does not accept the channel's certificate. */
const untrusted = [
  "BadCertificateUntrusted",
  "BadSecurityChecksFailed",
  "BadCertificateChainIncomplete",
  "BadCertificateIssuerRevocationUnknown",
  "BadCertificateRevocationUnknown",
  "BadCertificateUriInvalid",
  "BadCertificateHostNameInvalid",
];
const denied = [
  "BadUserAccessDenied",
  "BadIdentityTokenRejected",
  "BadIdentityTokenInvalid",
  "BadUserSignatureInvalid",
];
const refused = ["BadCertificateInvalid", "BadSecurityChecksFailed", "BadCertificateUntrusted"];
/** The connection went away under the session: a target restarting, or closing channels. */
const dropped = [
  "BadConnectionClosed",
  "BadSecureChannelClosed",
  "BadSecureChannelIdInvalid",
  "BadSessionClosed",
  "BadSessionIdInvalid",
  "BadServerNotConnected",
  "BadCommunicationError",
  "BadTimeout",
];

/**
 * A failed call's status: denied access, a certificate the target refuses in UpdateCertificate,
 * or anything else the target said.
 */
export function failureOfStatus(step: string, statusName: string): PushFailure {
  if (dropped.includes(statusName)) {
    return new PushFailure("TargetUnreachable", statusName,
      `${step}: the target closed the connection (${statusName})`);
  }
  if (denied.includes(statusName)) {
    return new PushFailure("AccessDenied", statusName,
      `${step}: the target refused the GDS user; it needs the SecurityAdmin role there`);
  }
  if (step === "UpdateCertificate" && refused.includes(statusName)) {
    return new PushFailure("CertificateRefused", statusName,
      "UpdateCertificate: the target refused the new certificate");
  }
  return new PushFailure("TargetError", statusName, `${step}: the target answered ${statusName}`);
}

/**
 * A thrown node-opcua error: the status code name is in its message, if there is one at all;
 * without one, the target could not be reached.
 */
export function classifyFailure(error: unknown, step: string): PushFailure {
  if (error instanceof PushFailure) return error;
  const message = error instanceof Error ? error.message : String(error);
  const statusName = /\b(Bad[A-Za-z]+)\b/.exec(message)?.[1];
  if (statusName && untrusted.includes(statusName) && step === "connect") {
    return untrustedFailure(statusName);
  }
  if (statusName && denied.includes(statusName)) return failureOfStatus(step, statusName);
  if (statusName) return failureOfStatus(step, statusName);
  const reason = /\b(E[A-Z]{4,})\b/.exec(message)?.[1] ?? "BadCommunicationError";
  return new PushFailure("TargetUnreachable", reason,
    `${step}: the target cannot be reached (${reason})`);
}

export function untrustedFailure(statusName: string): PushFailure {
  return new PushFailure("TargetDoesNotTrustGds", statusName,
    "the target does not trust the GDS: trust DATA_DIR/ca/ca.pem (with DATA_DIR/ca/ca.crl) on "
    + "the target, or move the GDS certificate from the target's rejected folder to its "
    + "trusted folder");
}
