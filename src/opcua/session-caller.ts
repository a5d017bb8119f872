import { MessageSecurityMode, UserNameIdentityToken, type ISessionContext } from "node-opcua";
import type { Caller, SecurityMode } from "../gds/caller.js";
import type { UserDirectory } from "../identity/user-directory.js";

const securityModes: Partial<Record<MessageSecurityMode, SecurityMode>> = {
  [MessageSecurityMode.None]: "None",
  [MessageSecurityMode.Sign]: "Sign",
  [MessageSecurityMode.SignAndEncrypt]: "SignAndEncrypt",
};

/** Finds the registered application a channel certificate stands for (ApplicationSelfAdmin). */
export type CertificateOwner = (certificate: Buffer | null | undefined) => Promise<string | undefined>;

/** Builds the core's view of the caller from a node-opcua method-call context. */
export class CallerResolver {
  constructor(
    private readonly users: UserDirectory,
    private readonly ownerOf: CertificateOwner,
  ) {}

  async of(context: ISessionContext): Promise<Caller> {
    const session = context.session;
    const token = session?.userIdentityToken;
    const userName = token instanceof UserNameIdentityToken && token.userName
      ? token.userName
      : undefined;
    const mode = session?.channel?.securityMode ?? MessageSecurityMode.None;
    const securityMode = securityModes[mode] ?? "None";
    // Self-administration needs a signed channel: only then does the certificate prove anything.
    const selfAdminOf = securityMode === "None"
      ? undefined
      : await this.ownerOf(session?.channel?.clientCertificate);
    return { userName, roles: this.users.rolesOf(userName), securityMode, selfAdminOf };
  }
}
