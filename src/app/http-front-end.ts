import { readFile } from "node:fs/promises";
import type { CertificateAuthority } from "../ca/authority.js";
import type { PublicationUrls } from "../ca/certificate-extensions.js";
import { encodePem } from "../ca/pem.js";
import type { Settings } from "../config/settings.js";
import { caCertificatePath, crlPath } from "../http/crl-distribution.js";
import type { HttpsIdentity } from "../http/http-server.js";
import { ocspPath } from "../http/ocsp-routes.js";
import type { OwnCertificateFiles } from "./own-certificate.js";

/**
 * The HTTPS listener presents the GDS's own certificate (issued by our CA, serverAuth, the
 * GDS host names in its SAN) and checks client certificates against our CA and current CRL.
 */
export async function httpsIdentity(
  own: OwnCertificateFiles,
  authority: CertificateAuthority,
): Promise<HttpsIdentity> {
  return {
    certificateChainPem: await readFile(own.certificateFile, "utf8"),
    privateKeyPem: await readFile(own.privateKeyFile, "utf8"),
    caPem: encodePem(authority.certificate(), "CERTIFICATE"),
    crlPem: encodePem(authority.crl(), "X509 CRL"),
  };
}

/**
 * Base URL that certificates name for the CRL, OCSP and the CA certificate: the configured
 * http.publicUrl, else the plain listener as reached through the GDS host name (its actual
 * port, so that port 0 in tests still yields working URLs).
 */
export function publicBaseUrl(settings: Settings, httpUrl: string): string {
  if (settings.http.publicUrl) return settings.http.publicUrl;
  const port = new URL(httpUrl).port;
  const host = settings.hostname.includes(":") ? `[${settings.hostname}]` : settings.hostname;
  return `http://${host}:${port}`;
}

export function publicationUrls(baseUrl: string): PublicationUrls {
  return {
    crl: baseUrl + crlPath,
    ocsp: baseUrl + ocspPath,
    caIssuers: baseUrl + caCertificatePath,
  };
}
