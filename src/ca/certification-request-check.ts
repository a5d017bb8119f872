import { GdsError } from "../core/errors.js";
import type { CertificateProfile } from "./certificate-profile.js";
import type { CertificationRequest } from "./certification-request.js";

export interface CertificationRequestContext {
  /** The ApplicationUri registered for the application the request is for. */
  readonly applicationUri: string;
  /** The profile of the certificate type asked for. */
  readonly profile: CertificateProfile;
}

/**
 * Policy on a parsed request (Part 12 StartSigningRequest): the key must fit the certificate
 * type, and the request may not claim an application URI other than the registered one. The
 * certificate gets the registered URI whatever the request says; a request naming another one
 * is refused rather than silently corrected, because it reveals a misconfigured client.
 */
/** RFC 1123 host names: letters, digits and inner hyphens per label; no wildcard. */
const hostNamePattern =
  /^(?=.{1,253}$)(?!-)[A-Za-z0-9-]{1,63}(?<!-)(\.(?!-)[A-Za-z0-9-]{1,63}(?<!-))*$/;

/** DNS names and IP addresses one certificate may carry. */
export const maximumHosts = 64;

export function checkCertificationRequest(
  csr: CertificationRequest,
  context: CertificationRequestContext,
): void {
  const { key } = context.profile;
  if (csr.keyAlgorithm !== key.algorithm) {
    throw new GdsError("InvalidArgument", "key algorithm does not fit the certificate type");
  }

  if (key.algorithm === "RSA" && csr.keyBits < key.minBits) {
    throw new GdsError("InvalidArgument", "key too weak for the certificate type");
  }
  if (key.algorithm === "RSA" && csr.keyBits > key.maxBits) {
    throw new GdsError("InvalidArgument", "key too large for the certificate type");
  }
  if (key.algorithm === "EC" && (csr.curve === undefined || !key.curves.includes(csr.curve))) {
    throw new GdsError("InvalidArgument", "curve does not fit the certificate type");
  }

  // A certificate is read by every peer on every handshake: a request naming hundreds of hosts
  // is a mistake or an attack, never an application.
  if (csr.sanDnsNames.length + csr.sanIpAddresses.length > maximumHosts) {
    throw new GdsError("InvalidArgument", `request names more than ${maximumHosts} hosts`);
  }
  // An application certificate names the hosts it is reached by; a wildcard would let its
  // key impersonate every host of a domain over TLS (HTTPS, EST).
  const notHost = csr.sanDnsNames.find((name) => !hostNamePattern.test(name));
  if (notHost !== undefined) {
    throw new GdsError("InvalidArgument", "a DNS name of the request is not a host name");
  }
  if (csr.sanUris.length > 1) {
    throw new GdsError("CertificateUriInvalid", "request names more than one URI");
  }
  if (csr.sanUris.length === 1 && csr.sanUris[0] !== context.applicationUri) {
    throw new GdsError("CertificateUriInvalid", "request URI is not the ApplicationUri");
  }
}
