import { X509Certificate, type KeyObject } from "node:crypto";
import { GdsError } from "../core/errors.js";
import { encodePfx } from "./pfx.js";

/** The PrivateKeyFormat values of Part 12 (StartNewKeyPairRequest), both always supported. */
export const privateKeyFormats = ["PFX", "PEM"] as const;

export type PrivateKeyFormat = (typeof privateKeyFormats)[number];

export interface PrivateKeyPackageRequest {
  readonly format: PrivateKeyFormat;
  readonly privateKey: KeyObject;
  /** The certificate issued for the key, DER. */
  readonly certificate: Buffer;
  /** The CA certificates above it, DER, nearest first; only a PFX carries them. */
  readonly issuerCertificates: readonly Buffer[];
  /** Empty or absent: a PEM key is not encrypted, a PFX has the empty password. */
  readonly password?: string;
}

const maxPasswordLength = 256;

/** A PrivateKeyFormat argument as sent by a client; Part 12 spells the values in capitals. */
export function parsePrivateKeyFormat(text: string): PrivateKeyFormat {
  const format = privateKeyFormats.find((known) => known === text);
  if (!format) throw new GdsError("InvalidArgument", 'PrivateKeyFormat is neither "PFX" nor "PEM"');
  return format;
}

/**
 * Checks a PrivateKeyPassword argument, so that StartNewKeyPairRequest can refuse it before
 * a key is made. Control characters are refused because C consumers (OpenSSL among them)
 * read the password up to the first NUL and many prompts cannot type the others.
 */
export function checkPrivateKeyPassword(password: string): void {
  if ([...password].length > maxPasswordLength) {
    const problem = `PrivateKeyPassword is longer than ${maxPasswordLength} characters`;
    throw new GdsError("InvalidArgument", problem);
  }
  if (/[\u0000-\u001f\u007f]/u.test(password)) {
    throw new GdsError("InvalidArgument", "PrivateKeyPassword holds control characters");
  }
}

/**
 * The PrivateKey of a FinishRequest answer:
 * - PEM: PKCS#8 (RFC 5958) in PEM, "PRIVATE KEY"; with a password "ENCRYPTED PRIVATE KEY",
 *   PBES2 with PBKDF2-HMAC-SHA256 and AES-256-CBC (node:crypto's export, 2048 iterations);
 * - PFX: PKCS#12 with the key, the certificate and the issuer chain (see encodePfx).
 */
export function packagePrivateKey(request: PrivateKeyPackageRequest): Buffer {
  const { format, privateKey, certificate, issuerCertificates } = request;
  const password = request.password ?? "";
  const known = parsePrivateKeyFormat(format);
  checkPrivateKeyPassword(password);

  // A key that does not fit its certificate is our mistake; the client could not use either.
  let matches: boolean;
  try {
    matches = new X509Certificate(certificate).checkPrivateKey(privateKey);
  } catch (error) {
    throw new GdsError("Internal", "the issued certificate does not parse", error);
  }
  if (!matches) throw new GdsError("Internal", "the private key does not fit the certificate");

  if (known === "PFX") {
    return encodePfx({ privateKey, certificates: [certificate, ...issuerCertificates], password });
  }

  const pem =
    password === ""
      ? privateKey.export({ type: "pkcs8", format: "pem" })
      : privateKey.export({
          type: "pkcs8",
          format: "pem",
          cipher: "aes-256-cbc",
          passphrase: password,
        });
  return Buffer.from(pem as string, "utf8");
}
