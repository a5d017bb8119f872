import { MessageSecurityMode, UserNameIdentityToken, type ISessionContext } from "node-opcua";
import type { Caller, SecurityMode } from "../gds/caller.js";
import type { UserDirectory } from "../identity/user-directory.js";

const securityModes: Partial<Record<MessageSecurityMode, SecurityMode>> = {
  [MessageSecurityMode.None]: "None",
  [MessageSecurityMode.Sign]: "Sign",
  [MessageSecurityMode.SignAndEncrypt]: "SignAndEncrypt",
};

/** Builds the core's view of the caller from a node-opcua method-call context. */
export function callerOf(context: ISessionContext, users: UserDirectory): Caller {
  const session = context.session;
  const token = session?.userIdentityToken;
  const userName = token instanceof UserNameIdentityToken && token.userName
    ? token.userName
    : undefined;
  const mode = session?.channel?.securityMode ?? MessageSecurityMode.None;
  return {
    userName,
    roles: users.rolesOf(userName),
    securityMode: securityModes[mode] ?? "None",
  };
}
