import { X509Certificate } from "node:crypto";
import { PushFailure } from "./push-target-port.js";

/**
 * Checks the certificate a target's secure channel is bound to before the GDS sends the
 * target user's password: it must name the registered ApplicationUri, and once the GDS has
 * delivered a certificate to that target, it must be one our CA issued. Before that first
 * delivery a target's own (often self-signed) certificate is taken on trust: the
 * administrator named the endpoint, and the target has nothing better to show yet.
 */
export function checkTargetIdentity(
  served: Buffer,
  expected: { applicationUri: string; issuedBy?: Buffer },
): void {
  let certificate: X509Certificate;
  try {
    certificate = new X509Certificate(served);
  } catch {
    throw notAuthentic("its certificate does not parse");
  }
  const uris = (certificate.subjectAltName ?? "").split(", ")
    .filter((name) => name.startsWith("URI:"))
    .map((name) => name.slice(4));
  if (!uris.includes(expected.applicationUri)) {
    throw notAuthentic("its certificate names another ApplicationUri than the registered one");
  }
  if (!expected.issuedBy) return;
  const issuer = new X509Certificate(expected.issuedBy);
  if (!certificate.checkIssued(issuer) || !certificate.verify(issuer.publicKey)) {
    throw notAuthentic("it no longer presents a certificate from our CA");
  }
}

function notAuthentic(reason: string): PushFailure {
  return new PushFailure("TargetNotAuthentic", "BadCertificateInvalid",
    `the server at this endpoint is not the registered one (${reason}); nothing was sent`);
}
