import type { AuditTrail } from "../core/audit-trail.js";
import { GdsError } from "../core/errors.js";
import type { UserRole } from "../core/records.js";
import { actorName, type Caller } from "../gds/caller.js";
import { requireAdministrator } from "../gds/rights.js";
import type { UserDirectory } from "./user-directory.js";

export const userRoles: UserRole[] = [
  "DiscoveryAdmin",
  "CertificateAuthorityAdmin",
  "RegistrationAuthorityAdmin",
  "SecurityAdmin",
  "Operator",
];

const userNamePattern = /^[A-Za-z0-9._@-]{1,64}$/;
const minPasswordLength = 12;
const maxPasswordLength = 1024;

/**
 * User and role management for SecurityAdmins. The last SecurityAdmin cannot be removed or
 * demoted, so that the GDS never locks its administrators out.
 */
export class UserAdministration {
  constructor(
    private readonly users: UserDirectory,
    private readonly audit: AuditTrail,
    /** Whether an ApplicationId is registered, for user-token application bindings. */
    private readonly applicationExists: (applicationId: string) => Promise<boolean> =
      async () => false,
  ) {}

  async add(caller: Caller, userName: string, password: string, roles: string[]): Promise<void> {
    requireAdministrator(caller, "SecurityAdmin");
    checkUserName(userName);
    checkPassword(password);
    const checkedRoles = checkRoles(roles);
    if (await this.users.get(userName)) {
      throw new GdsError("EntryExists", "a user with this name exists");
    }
    await this.users.put(userName, password, checkedRoles);
    await this.audit.record("user.created", actorName(caller), { userName, roles: checkedRoles });
  }

  async setRoles(caller: Caller, userName: string, roles: string[]): Promise<void> {
    requireAdministrator(caller, "SecurityAdmin");
    const checkedRoles = checkRoles(roles);
    if (!checkedRoles.includes("SecurityAdmin")) await this.keepASecurityAdmin(userName);
    await this.users.setRoles(userName, checkedRoles);
    await this.audit.record("user.updated", actorName(caller), { userName, roles: checkedRoles });
  }

  async setPassword(caller: Caller, userName: string, password: string): Promise<void> {
    requireAdministrator(caller, "SecurityAdmin");
    checkPassword(password);
    await this.users.setPassword(userName, password);
    await this.audit.record("user.updated", actorName(caller), { userName, change: "credentials" });
  }

  async remove(caller: Caller, userName: string): Promise<void> {
    requireAdministrator(caller, "SecurityAdmin");
    await this.keepASecurityAdmin(userName);
    if (!(await this.users.remove(userName))) throw new GdsError("NotFound", "no such user");
    await this.audit.record("user.removed", actorName(caller), { userName });
  }

  /**
   * Binds a certificate to a user for X509IdentityToken sign-in: one certificate by its
   * thumbprint, or every DefaultUserTokenGroup certificate this CA issues to an ApplicationId.
   */
  async addCertificate(caller: Caller, userName: string, binding: CertificateBinding) {
    requireAdministrator(caller, "SecurityAdmin");
    const { thumbprint, applicationId } = checkBinding(binding);
    const record = await this.users.get(userName);
    if (!record) throw new GdsError("NotFound", "no such user");
    const others = (await this.users.list()).filter((user) => user.userName !== userName);
    if (thumbprint) {
      if (others.some((user) => user.certificateThumbprints?.includes(thumbprint))) {
        throw new GdsError("EntryExists", "the certificate is bound to another user");
      }
      await this.users.setCertificateBindings(userName, {
        certificateThumbprints: added(record.certificateThumbprints, thumbprint) });
    } else {
      if (!(await this.applicationExists(applicationId!))) {
        throw new GdsError("NotFound", "no application with this ApplicationId");
      }
      if (others.some((user) => user.userTokenApplications?.includes(applicationId!))) {
        throw new GdsError("EntryExists", "the application is bound to another user");
      }
      await this.users.setCertificateBindings(userName, {
        userTokenApplications: added(record.userTokenApplications, applicationId!) });
    }
    await this.audit.record("user.updated", actorName(caller),
      { userName, change: "certificate bound", ...definedOnly({ thumbprint, applicationId }) });
  }

  async removeCertificate(caller: Caller, userName: string, binding: CertificateBinding) {
    requireAdministrator(caller, "SecurityAdmin");
    const { thumbprint, applicationId } = checkBinding(binding);
    const record = await this.users.get(userName);
    if (!record) throw new GdsError("NotFound", "no such user");
    const list = thumbprint ? record.certificateThumbprints : record.userTokenApplications;
    const value = thumbprint ?? applicationId!;
    if (!list?.includes(value)) throw new GdsError("NotFound", "no such binding for this user");
    const remaining = list.filter((entry) => entry !== value);
    await this.users.setCertificateBindings(userName, thumbprint
      ? { certificateThumbprints: remaining }
      : { userTokenApplications: remaining });
    await this.audit.record("user.updated", actorName(caller),
      { userName, change: "certificate unbound", ...definedOnly({ thumbprint, applicationId }) });
  }

  async list(caller: Caller) {
    requireAdministrator(caller, "SecurityAdmin", "Operator");
    return this.users.list();
  }

  private async keepASecurityAdmin(losing: string): Promise<void> {
    const admins = (await this.users.list()).filter((user) => user.roles.includes("SecurityAdmin"));
    if (admins.length === 1 && admins[0]!.userName === losing) {
      throw new GdsError("InvalidState", "the last SecurityAdmin cannot lose the role");
    }
  }
}

export interface CertificateBinding {
  thumbprint?: string;
  applicationId?: string;
}

/** Exactly one of the two; a thumbprint may be written with colons or in lower case. */
function checkBinding(binding: CertificateBinding): CertificateBinding {
  const thumbprint = binding.thumbprint?.replace(/[:\s]/g, "").toUpperCase() || undefined;
  const applicationId = binding.applicationId || undefined;
  if ((thumbprint === undefined) === (applicationId === undefined)) {
    throw new GdsError("InvalidArgument", "give either a Thumbprint or an ApplicationId");
  }
  if (thumbprint !== undefined && !/^[0-9A-F]{40}$/.test(thumbprint)) {
    throw new GdsError("InvalidArgument", "a Thumbprint is 40 hexadecimal digits (SHA-1)");
  }
  return { thumbprint, applicationId };
}

function added(list: string[] | undefined, value: string): string[] {
  return [...new Set([...(list ?? []), value])];
}

function definedOnly(values: Record<string, string | undefined>): Record<string, string> {
  return Object.fromEntries(Object.entries(values).filter(([, value]) => value !== undefined)) as
    Record<string, string>;
}

function checkUserName(userName: string): void {
  if (!userNamePattern.test(userName)) {
    throw new GdsError("InvalidArgument", "a user name has 1 to 64 letters, digits or . _ @ -");
  }
}

function checkPassword(password: string): void {
  if (password.length < minPasswordLength || password.length > maxPasswordLength) {
    throw new GdsError("InvalidArgument",
      `a password has ${minPasswordLength} to ${maxPasswordLength} characters`);
  }
}

function checkRoles(roles: string[]): UserRole[] {
  const unknown = roles.filter((role) => !userRoles.includes(role as UserRole));
  if (unknown.length > 0 || roles.length === 0) {
    throw new GdsError("InvalidArgument", `roles must be among ${userRoles.join(", ")}`);
  }
  return [...new Set(roles)] as UserRole[];
}
