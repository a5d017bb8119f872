import { X509Certificate } from "node:crypto";
import { StatusCodes } from "node-opcua";
import type { TrustListContent } from "../../../src/core/issuing.js";
import { Refusal } from "./method-access.js";

export interface CertificateCheck {
  certificate: Buffer;
  issuerCertificates: Buffer[];
  /** The trust list the certificate must chain to: the session's staged one, else the current. */
  trustList: TrustListContent;
  applicationUri: string;
  /** SubjectPublicKeyInfo DER of the keys the certificate may carry. */
  acceptedKeys: Buffer[];
  now: Date;
}

const maximumChainLength = 5;

/**
 * What UpdateCertificate verifies before it stages a certificate: it parses, is current, names
 * this application, carries a key this server holds, and chains through the given issuers to
 * a CA in the trust list. Returns the index of the accepted key.
 *
 * Known shortcoming: revocation of the new certificate is not checked here (node:crypto reads
 * no CRLs); channel checks after ApplyChanges do consult the CRLs.
 */
export function checkNewCertificate(check: CertificateCheck): number {
  let leaf: X509Certificate;
  try {
    leaf = new X509Certificate(check.certificate);
  } catch {
    throw new Refusal(StatusCodes.BadCertificateInvalid, "the certificate does not parse");
  }

  const now = check.now.getTime();
  if (Date.parse(leaf.validFrom) > now || Date.parse(leaf.validTo) < now) {
    throw new Refusal(StatusCodes.BadCertificateTimeInvalid, "the certificate is not current");
  }
  const uris = (leaf.subjectAltName ?? "").split(", ").filter((name) => name.startsWith("URI:"));
  if (uris.length !== 1 || uris[0] !== `URI:${check.applicationUri}`) {
    throw new Refusal(StatusCodes.BadSecurityChecksFailed, "the certificate names another URI");
  }

  const spki = leaf.publicKey.export({ format: "der", type: "spki" });
  const keyIndex = check.acceptedKeys.findIndex((key) => key.equals(spki));
  if (keyIndex < 0) {
    throw new Refusal(StatusCodes.BadSecurityChecksFailed, "no private key for this certificate");
  }

  if (!chainsToTrustList(leaf, check)) {
    throw new Refusal(StatusCodes.BadSecurityChecksFailed, "the chain ends outside the trust list");
  }
  return keyIndex;
}

function chainsToTrustList(leaf: X509Certificate, check: CertificateCheck): boolean {
  const { trustList } = check;
  const anchors = [...trustList.trustedCertificates, ...trustList.issuerCertificates]
    .map((der) => new X509Certificate(der));
  const given = check.issuerCertificates.map((der) => new X509Certificate(der));
  const candidates = [...anchors, ...given];
  const isAnchor = (certificate: X509Certificate) =>
    anchors.some((anchor) => anchor.fingerprint256 === certificate.fingerprint256);

  let current = leaf;
  for (let depth = 0; depth < maximumChainLength; depth += 1) {
    if (depth > 0 && isAnchor(current)) return true;
    const issuer = candidates.find((candidate) =>
      current.checkIssued(candidate) && current.verify(candidate.publicKey));
    if (!issuer) return false;
    if (issuer.fingerprint256 === current.fingerprint256) return isAnchor(current);
    current = issuer;
  }
  return false;
}
