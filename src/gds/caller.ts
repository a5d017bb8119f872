import type { UserRole } from "../core/records.js";
import { GdsError } from "../core/errors.js";

export type SecurityMode = "None" | "Sign" | "SignAndEncrypt";

/**
 * Who is calling, as far as the GDS core cares: the session's user and roles, and how the
 * channel is protected. Front-ends build it from their own session objects.
 */
export interface Caller {
  /** The signed-in user, or undefined for an anonymous session. */
  userName?: string;
  roles: ReadonlySet<UserRole>;
  securityMode: SecurityMode;
  /**
   * ApplicationSelfAdmin: the registered application whose current certificate (issued by
   * this GDS, not revoked, not expired) opened the channel.
   */
  selfAdminOf?: string;
  /** The AuditEntryId of the client's request, passed on to audit events. */
  clientAuditEntryId?: string;
}

const strength: Record<SecurityMode, number> = { None: 0, Sign: 1, SignAndEncrypt: 2 };

export function requireSecurityMode(caller: Caller, required: SecurityMode): void {
  if (strength[caller.securityMode] >= strength[required]) return;
  throw new GdsError("SecurityModeInsufficient", `this method requires a ${required} channel`);
}

/**
 * The name recorded for who did something: the user, else the application whose certificate
 * opened the channel (ApplicationSelfAdmin), else anonymous.
 */
export function actorName(caller: Caller): string {
  if (caller.userName !== undefined) return caller.userName;
  return caller.selfAdminOf !== undefined ? `application:${caller.selfAdminOf}` : "anonymous";
}
