import {
  MessageSecurityMode,
  UserNameIdentityToken,
  type ISessionContext,
  type Variant,
} from "node-opcua";
import type { Caller, SecurityMode } from "../gds/caller.js";
import type { UserDirectory } from "../identity/user-directory.js";
import type { AuditEntryIds } from "./audit-entry-ids.js";

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
    private readonly auditEntryIds?: AuditEntryIds,
  ) {}

  /** `args`, the call's input arguments, let the caller carry the request's AuditEntryId. */
  async of(context: ISessionContext, args?: Variant[]): Promise<Caller> {
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
    return {
      userName, roles: this.users.rolesOf(userName), securityMode, selfAdminOf,
      clientAuditEntryId: this.auditEntryIds?.of(args),
    };
  }
}
