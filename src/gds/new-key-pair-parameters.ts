import { GdsError } from "../core/errors.js";
import type { ApplicationRecord, NewKeyPairParameters } from "../core/records.js";

/** Key generation and packaging for StartNewKeyPairRequest. */
export interface KeyPairs {
  generate(certificateTypeId: string): Promise<{
    publicKeyInfo: Buffer;
    privateKey: Buffer; // PKCS#8 DER
  }>;
  subjectName(text: string): Buffer;
  domainNames(names: string[]): string[];
  package(input: {
    format: "PFX" | "PEM";
    privateKey: Buffer;
    certificate: Buffer;
    issuerCertificates: Buffer[];
    password: string;
  }): Buffer;
}

export interface NewKeyPairInput {
  subjectName: string;
  domainNames: string[];
  privateKeyFormat: string;
  privateKeyPassword: string;
}

const maxPasswordLength = 256;

/** Checks StartNewKeyPairRequest's arguments; the subject defaults to the application's name. */
export function newKeyPairParameters(
  keyPairs: Pick<KeyPairs, "subjectName" | "domainNames">,
  application: ApplicationRecord,
  input: NewKeyPairInput,
): NewKeyPairParameters {
  const privateKeyFormat = input.privateKeyFormat.toUpperCase();
  if (privateKeyFormat !== "PFX" && privateKeyFormat !== "PEM") {
    throw new GdsError("InvalidArgument", "PrivateKeyFormat must be PFX or PEM");
  }
  if (input.privateKeyPassword.length > maxPasswordLength) {
    throw new GdsError("InvalidArgument", "PrivateKeyPassword is too long");
  }
  const fallbackName = application.applicationNames[0]?.text ?? application.applicationUri;
  const safeName = fallbackName.replace(/[^A-Za-z0-9 ._:-]/g, " ").trim().slice(0, 64);
  const subjectName = input.subjectName.trim() || `CN=${safeName || "Application"}`;
  keyPairs.subjectName(subjectName);
  return {
    subjectName,
    domainNames: keyPairs.domainNames(input.domainNames),
    privateKeyFormat,
  };
}
