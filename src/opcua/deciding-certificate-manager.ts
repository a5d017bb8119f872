import { OPCUACertificateManager, type StatusCode } from "node-opcua";

/**
 * A node-opcua certificate manager whose verdict on a certificate comes from `decide` instead
 * of its trusted folder alone. node-opcua awaits checkCertificate with a DER chain (leaf
 * first); older call sites pass a callback, and both are served here once.
 */
export abstract class DecidingCertificateManager extends OPCUACertificateManager {
  protected abstract decide(certificateChain: Buffer): Promise<StatusCode>;

  override checkCertificate(certificateChain: Buffer): Promise<StatusCode>;
  override checkCertificate(
    certificateChain: Buffer,
    callback?: (error: Error | null, statusCode?: StatusCode) => void,
  ): Promise<StatusCode> | void {
    const decision = this.decide(certificateChain);
    if (typeof callback !== "function") return decision;
    decision.then((statusCode) => callback(null, statusCode), (error: Error) => callback(error));
  }
}
