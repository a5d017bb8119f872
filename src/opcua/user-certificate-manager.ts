import { StatusCodes, type StatusCode } from "node-opcua";
import { DecidingCertificateManager } from "./deciding-certificate-manager.js";
import type {
  UserCertificateRefusal,
  UserCertificates,
} from "../identity/user-certificates.js";

const refusals: Record<UserCertificateRefusal, StatusCode> = {
  Invalid: StatusCodes.BadCertificateInvalid,
  Unknown: StatusCodes.BadCertificateUntrusted,
  Revoked: StatusCodes.BadCertificateRevoked,
  TimeInvalid: StatusCodes.BadCertificateTimeInvalid,
};

/**
 * Decides X509IdentityToken certificates for node-opcua from the users' certificate bindings
 * instead of a trusted folder. node-opcua answers ActivateSession with
 * BadIdentityTokenRejected for any refusal.
 */
export class UserCertificateManager extends DecidingCertificateManager {
  constructor(rootFolder: string, private readonly userCertificates: UserCertificates) {
    super({ rootFolder, automaticallyAcceptUnknownCertificate: false });
  }

  protected async decide(certificateChain: Buffer): Promise<StatusCode> {
    const decision = await this.userCertificates.signIn(certificateChain);
    return decision.accepted ? StatusCodes.Good : refusals[decision.reason];
  }
}
