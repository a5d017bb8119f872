import { GdsError } from "../core/errors.js";
import type { Signer } from "../keys/signer.js";
import { buildCertificate } from "./certificate-builder.js";
import {
  authorityKeyIdentifier,
  basicConstraints,
  keyUsage,
  subjectKeyIdentifierExtension,
} from "./certificate-extensions.js";
import { encodeDistinguishedName } from "./distinguished-name.js";
import { subjectKeyIdentifier } from "./subject-public-key-info.js";

export interface RootCertificateRequest {
  /** The CA key; its public half becomes the certificate's key. */
  readonly signer: Signer;
  /** RFC 4514 string, e.g. "CN=Security Handler CA, O=Security Handler". */
  readonly subject: string;
  readonly validityYears: number;
  /** Hex, e.g. from generateSerialNumber(). */
  readonly serialNumber: string;
  readonly notBefore: Date;
}

/**
 * A self-signed CA certificate: basicConstraints CA:TRUE and keyUsage keyCertSign and cRLSign,
 * both critical as OPC UA stacks require; digitalSignature too, so the same key may sign OCSP
 * answers later. AKI repeats the SKI, which lets strict path builders link the self-signature.
 */
export async function createRootCertificate(request: RootCertificateRequest): Promise<Buffer> {
  const { signer, validityYears, notBefore } = request;
  if (!Number.isInteger(validityYears) || validityYears < 1 || validityYears > 100) {
    throw new GdsError("InvalidArgument", "validityYears must be an integer from 1 to 100");
  }

  const subject = encodeDistinguishedName(request.subject);
  const notAfter = new Date(notBefore);
  notAfter.setUTCFullYear(notAfter.getUTCFullYear() + validityYears);
  const keyIdentifier = subjectKeyIdentifier(signer.publicKeyInfo);

  return buildCertificate(signer, {
    serialNumber: request.serialNumber,
    issuer: subject,
    notBefore,
    notAfter,
    subject,
    publicKeyInfo: signer.publicKeyInfo,
    extensions: [
      basicConstraints(true),
      keyUsage(["digitalSignature", "keyCertSign", "cRLSign"], true),
      subjectKeyIdentifierExtension(keyIdentifier),
      authorityKeyIdentifier(keyIdentifier),
    ],
  });
}
