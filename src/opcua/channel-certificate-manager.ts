import { StatusCodes, type StatusCode } from "node-opcua";
import { DecidingCertificateManager } from "./deciding-certificate-manager.js";

/**
 * Decides which application certificates may open a secure channel. Applications come to the
 * GDS before they hold a certificate from it, so by default a well-formed certificate that is
 * merely unknown (for example self-signed) is accepted without being added to the trusted
 * folder; rights come from the session's user, never from the channel alone. In strict mode
 * only certificates that chain to a trusted CA (ours) are accepted.
 */
export class ChannelCertificateManager extends DecidingCertificateManager {
  constructor(rootFolder: string, private readonly strict: boolean) {
    super({ rootFolder, automaticallyAcceptUnknownCertificate: false, keySize: 2048 });
  }

  protected async decide(certificateChain: Buffer): Promise<StatusCode> {
    const status = await this.verifyCertificate(certificateChain);
    const statusCode = StatusCodes[status as keyof typeof StatusCodes] as StatusCode | undefined;
    if (!statusCode) return StatusCodes.BadCertificateInvalid;

    const unknownButWellFormed = statusCode === StatusCodes.BadCertificateUntrusted
      || statusCode === StatusCodes.BadCertificateChainIncomplete;
    if (unknownButWellFormed && !this.strict) return StatusCodes.Good;
    return statusCode;
  }
}
