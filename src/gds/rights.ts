import { GdsError } from "../core/errors.js";
import type { UserRole } from "../core/records.js";
import { requireSecurityMode, type Caller } from "./caller.js";

/**
 * Who may do what. Administrators hold roles; an application holds the ApplicationSelfAdmin
 * privilege for itself only, through the certificate this GDS issued it (see Caller).
 */
const readers: UserRole[] = ["CertificateAuthorityAdmin", "Operator"];

/** Certificate methods that change state or return a new certificate. */
export function requireCertificateRights(caller: Caller, applicationId: string): void {
  requireSecurityMode(caller, "SignAndEncrypt");
  if (caller.roles.has("CertificateAuthorityAdmin")) return;
  if (caller.selfAdminOf === applicationId) return;
  throw new GdsError("UserAccessDenied",
    "the session may not manage this application's certificates");
}

/** Reading certificate state of an application (status, trust list, certificates). */
export function requireCertificateReadRights(caller: Caller, applicationId: string): void {
  requireSecurityMode(caller, "SignAndEncrypt");
  if (readers.some((role) => caller.roles.has(role))) return;
  if (caller.selfAdminOf === applicationId) return;
  throw new GdsError("UserAccessDenied",
    "the session may not read this application's certificates");
}

/** Changing a directory record: DiscoveryAdmin, or the application itself for an update. */
export function requireDirectoryRights(caller: Caller, applicationId?: string): void {
  requireSecurityMode(caller, "SignAndEncrypt");
  if (caller.roles.has("DiscoveryAdmin")) return;
  if (applicationId !== undefined && caller.selfAdminOf === applicationId) return;
  throw new GdsError("UserAccessDenied", "the session's user may not change the directory");
}

/** An administrative operation reserved to some roles. */
export function requireAdministrator(caller: Caller, ...anyOf: UserRole[]): void {
  requireSecurityMode(caller, "SignAndEncrypt");
  if (anyOf.some((role) => caller.roles.has(role))) return;
  throw new GdsError("UserAccessDenied", "the session's user may not call this method");
}
