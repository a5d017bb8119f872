import { generateKeyPairSync, X509Certificate } from "node:crypto";
import { chmod, mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { Clock } from "../core/clock.js";
import type { CertificateAuthority } from "../ca/authority.js";
import { encodeDistinguishedName } from "../ca/distinguished-name.js";
import { encodePem } from "../ca/pem.js";
import {
  defaultApplicationGroup,
  rsaSha256ApplicationCertificateType,
} from "../gds/certificate-groups.js";
import type { Logger } from "../log/logger.js";

export interface OwnCertificateFiles {
  certificateFile: string;
  privateKeyFile: string;
}

/** The GDS's own application id in the certificate store; it is not in its own directory. */
export const ownApplicationId = "security-handler-gds";

/**
 * The GDS's own application instance certificate, issued by its own CA (not self-signed).
 * Its private key is an ordinary file (mode 0600): node-opcua needs it in-process for every
 * secure channel, unlike the CA key, which never leaves the token. Re-issued when missing,
 * near expiry, or issued under another CA key.
 */
export async function ensureOwnCertificate(options: {
  pkiDir: string;
  applicationUri: string;
  hosts: string[];
  authority: CertificateAuthority;
  clock: Clock;
  renewalWindowMs: number;
  log: Logger;
}): Promise<OwnCertificateFiles> {
  const files = {
    certificateFile: join(options.pkiDir, "own", "certs", "gds.pem"),
    privateKeyFile: join(options.pkiDir, "own", "private", "gds.key.pem"),
  };
  if (await isCurrent(files.certificateFile, options)) return files;
  options.log.info({ applicationUri: options.applicationUri, hosts: options.hosts },
    "issuing the GDS its own certificate");

  await mkdir(join(options.pkiDir, "own", "certs"), { recursive: true, mode: 0o700 });
  await mkdir(join(options.pkiDir, "own", "private"), { recursive: true, mode: 0o700 });
  const { publicKey, privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
  const issued = await options.authority.issueDirect({
    subject: encodeDistinguishedName("CN=Security Handler GDS, O=Security Handler"),
    publicKeyInfo: publicKey.export({ type: "spki", format: "der" }),
    applicationUri: options.applicationUri,
    hosts: options.hosts,
    applicationId: ownApplicationId,
    requestId: ownApplicationId,
    certificateGroupId: defaultApplicationGroup,
    certificateTypeId: rsaSha256ApplicationCertificateType,
  });

  const keyPem = privateKey.export({ type: "pkcs8", format: "pem" }) as string;
  await writeFile(files.privateKeyFile, keyPem, { mode: 0o600 });
  await chmod(files.privateKeyFile, 0o600);
  const certificate = Buffer.from(issued.der, "base64");
  // The file holds the chain (leaf, then CA): node-opcua sends it whole, so that a peer that
  // does not know our CA yet can still tell an incomplete chain from an untrusted one.
  await writeFile(files.certificateFile,
    encodePem(certificate, "CERTIFICATE")
      + encodePem(options.authority.certificate(), "CERTIFICATE"));
  options.log.info({ serialNumber: issued.serialNumber, thumbprint: issued.thumbprint },
    "own certificate issued");
  return files;
}

/**
 * Current means: issued by our CA, not near expiry, and naming the ApplicationUri and hosts the
 * GDS is configured with now (a changed --hostname or --application-uri needs a new one).
 */
async function isCurrent(
  file: string,
  options: {
    authority: CertificateAuthority;
    clock: Clock;
    renewalWindowMs: number;
    applicationUri: string;
    hosts: string[];
  },
): Promise<boolean> {
  let certificate: X509Certificate;
  try {
    certificate = new X509Certificate(await readFile(file));
  } catch {
    return false;
  }
  const ca = new X509Certificate(options.authority.certificate());
  const renewAt = Date.parse(certificate.validTo) - options.renewalWindowMs;
  const names = (certificate.subjectAltName ?? "").split(", ");
  const namesHost = (host: string) =>
    names.includes(`DNS:${host}`) || names.includes(`IP Address:${host.toUpperCase()}`)
    || names.includes(`IP Address:${host}`);
  return certificate.checkIssued(ca) && certificate.verify(ca.publicKey)
    && options.clock.now().getTime() < renewAt
    && names.includes(`URI:${options.applicationUri}`)
    && options.hosts.every(namesHost);
}
