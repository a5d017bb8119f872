import { OPCUACertificateManager, StatusCodes, type StatusCode } from "node-opcua";

/**
 * Decides which application certificates may open a secure channel. Applications come to the
 * GDS before they hold a certificate from it, so by default a well-formed certificate that is
 * merely unknown (for example self-signed) is accepted without being added to the trusted
 * folder; rights come from the session's user, never from the channel alone. In strict mode
 * only certificates that chain to a trusted CA (ours) are accepted.
 */
export class ChannelCertificateManager extends OPCUACertificateManager {
  constructor(rootFolder: string, private readonly strict: boolean) {
    super({ rootFolder, automaticallyAcceptUnknownCertificate: false, keySize: 2048 });
  }

  // node-opcua awaits this with a DER chain (leaf first); older call sites pass a callback.
  override checkCertificate(certificateChain: Buffer): Promise<StatusCode>;
  override checkCertificate(
    certificateChain: Buffer,
    callback?: (error: Error | null, statusCode?: StatusCode) => void,
  ): Promise<StatusCode> | void {
    const decision = this.decide(certificateChain);
    if (typeof callback !== "function") return decision;
    decision.then((statusCode) => callback(null, statusCode), (error: Error) => callback(error));
  }

  private async decide(certificateChain: Buffer): Promise<StatusCode> {
    const status = await this.verifyCertificate(certificateChain);
    const statusCode = StatusCodes[status as keyof typeof StatusCodes] as StatusCode | undefined;
    if (!statusCode) return StatusCodes.BadCertificateInvalid;

    const unknownButWellFormed = statusCode === StatusCodes.BadCertificateUntrusted
      || statusCode === StatusCodes.BadCertificateChainIncomplete;
    if (unknownButWellFormed && !this.strict) return StatusCodes.Good;
    return statusCode;
  }
}
