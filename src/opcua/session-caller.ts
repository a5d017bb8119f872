import {
  MessageSecurityMode,
  UserNameIdentityToken,
  X509IdentityToken,
  type ISessionContext,
  type Variant,
} from "node-opcua";
import type { Caller, SecurityMode } from "../gds/caller.js";
import type { UserCertificates } from "../identity/user-certificates.js";
import type { UserDirectory } from "../identity/user-directory.js";
import type { AuditEntryIds } from "./audit-entry-ids.js";

const securityModes: Partial<Record<MessageSecurityMode, SecurityMode>> = {
  [MessageSecurityMode.None]: "None",
  [MessageSecurityMode.Sign]: "Sign",
  [MessageSecurityMode.SignAndEncrypt]: "SignAndEncrypt",
};

/** Finds the registered application a channel certificate stands for (ApplicationSelfAdmin). */
export type CertificateOwner =
  (certificate: Buffer | null | undefined) => Promise<string | undefined>;

/** Builds the core's view of the caller from a node-opcua method-call context. */
export class CallerResolver {
  constructor(
    private readonly users: UserDirectory,
    private readonly ownerOf: CertificateOwner,
    private readonly auditEntryIds?: AuditEntryIds,
    private readonly userCertificates?: UserCertificates,
  ) {}

  /** `args`, the call's input arguments, let the caller carry the request's AuditEntryId. */
  async of(context: ISessionContext, args?: Variant[]): Promise<Caller> {
    const session = context.session;
    const token = session?.userIdentityToken;
    let userName = token instanceof UserNameIdentityToken && token.userName
      ? token.userName
      : undefined;
    let roles = this.users.rolesOf(userName);
    if (token instanceof X509IdentityToken && this.userCertificates) {
      // Asked at every call: a revoked or unbound certificate loses its rights at once.
      const user = await this.userCertificates.userOf(token.certificateData);
      userName = user?.userName;
      roles = new Set(user?.roles ?? []);
    }
    const mode = session?.channel?.securityMode ?? MessageSecurityMode.None;
    const securityMode = securityModes[mode] ?? "None";
    // Self-administration needs a signed channel: only then does the certificate prove anything.
    const selfAdminOf = securityMode === "None"
      ? undefined
      : await this.ownerOf(session?.channel?.clientCertificate);
    return {
      userName, roles, securityMode, selfAdminOf,
      clientAuditEntryId: this.auditEntryIds?.of(args),
    };
  }
}
