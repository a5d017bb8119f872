import { createRootCertificate } from "../../src/ca/root-certificate.js";
import { generateSerialNumber } from "../../src/ca/serial-number.js";
import { encodePem } from "../../src/ca/pem.js";
import { createSoftwareSigner, type SoftwareSigner } from "./software-signer.js";
import type { ScratchDirectory } from "./openssl.js";

export interface TestCa {
  readonly signer: SoftwareSigner;
  readonly certificateDer: Buffer;
  /** The CA certificate as PEM in the scratch directory, for openssl -CAfile. */
  readonly pemFile: string;
}

export const caSubject = "CN=Security Handler CA, O=Security Handler";

/** A root CA on a software key, valid from `notBefore` (default: an hour ago) for 20 years. */
export async function createTestCa(
  scratch: ScratchDirectory,
  notBefore = new Date(Date.now() - 3_600_000),
): Promise<TestCa> {
  const signer = createSoftwareSigner();
  const certificateDer = await createRootCertificate({
    signer,
    subject: caSubject,
    validityYears: 20,
    serialNumber: generateSerialNumber(),
    notBefore,
  });
  const pemFile = scratch.write(
    `ca-${Math.random().toString(16).slice(2)}.pem`,
    encodePem(certificateDer, "CERTIFICATE"),
  );
  return { signer, certificateDer, pemFile };
}
