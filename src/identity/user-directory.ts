import { randomBytes } from "node:crypto";
import { chmod, writeFile } from "node:fs/promises";
import type { AuditTrail } from "../core/audit-trail.js";
import type { Clock } from "../core/clock.js";
import type { UserRecord, UserRole } from "../core/records.js";
import { GdsError } from "../core/errors.js";
import type { Logger } from "../log/logger.js";
import type { UserStore } from "../store/store.js";
import { hashPassword, verifyPassword } from "./password-hash.js";
import { SignInThrottle } from "./sign-in-throttle.js";

/** How refusals for names that do not exist are logged, audited and throttled. */
const unknownUser = "(unknown user)";

/**
 * A valid hash of a random password that unknown user names are checked against; made on the
 * first refusal rather than at import, since every CLI command imports this module.
 */
let unknownUserHash: Promise<string> | undefined;
const unknownUserHashOnce = () =>
  (unknownUserHash ??= hashPassword(randomBytes(16).toString("base64url")));

const minimumAdminPassword = 12;

export const allAdminRoles: UserRole[] = [
  "DiscoveryAdmin",
  "CertificateAuthorityAdmin",
  "RegistrationAuthorityAdmin",
  "SecurityAdmin",
];

/**
 * The users who may sign in. Roles are cached in memory after a successful sign-in so that a
 * method call never waits for the store; passwords are only ever compared against their hash.
 */
export class UserDirectory {
  private readonly rolesByUser = new Map<string, ReadonlySet<UserRole>>();

  constructor(
    private readonly store: UserStore,
    private readonly clock: Clock,
    private readonly log: Logger,
    private readonly audit?: AuditTrail,
    private readonly throttle = new SignInThrottle(clock),
  ) {}

  /**
   * Creates `admin` on the first start, when there are no users yet: with the given password,
   * or a generated one written to `passwordFile` (mode 0600). A later start keeps the stored
   * users as they are; an `admin` an administrator removed stays removed.
   */
  async ensureAdministrator(password: string | undefined, passwordFile: string): Promise<boolean> {
    if ((await this.store.list()).length > 0) {
      if (password) this.log.info("users exist; SH_ADMIN_PASSWORD is ignored");
      return false;
    }
    if (password && password.length < minimumAdminPassword) {
      throw new Error(`SH_ADMIN_PASSWORD must have at least ${minimumAdminPassword} characters`);
    }

    const chosen = password && password.length > 0
      ? password : randomBytes(18).toString("base64url");
    if (!password) {
      await writeFile(passwordFile, `${chosen}\n`, { mode: 0o600 });
      await chmod(passwordFile, 0o600); // a file left by an interrupted first start keeps its mode
    }
    await this.put("admin", chosen, allAdminRoles);
    this.log.info(
      { userName: "admin", passwordSource: password ? "environment" : "generated file" },
      "administrator created",
    );
    return true;
  }

  async put(userName: string, password: string, roles: UserRole[]): Promise<void> {
    const record: UserRecord = {
      userName,
      passwordHash: await hashPassword(password),
      roles,
      createdAt: this.clock.now().toISOString(),
    };
    await this.store.put(record);
    // A signed-in user's rights follow a change at once, for the sessions already open.
    if (this.rolesByUser.has(userName)) this.rolesByUser.set(userName, new Set(roles));
  }

  async setRoles(userName: string, roles: UserRole[]): Promise<void> {
    const record = await this.store.get(userName);
    if (!record) throw new GdsError("NotFound", "no such user");
    await this.store.put({ ...record, roles });
    if (this.rolesByUser.has(userName)) this.rolesByUser.set(userName, new Set(roles));
  }

  async setPassword(userName: string, password: string): Promise<void> {
    const record = await this.store.get(userName);
    if (!record) throw new GdsError("NotFound", "no such user");
    await this.store.put({ ...record, passwordHash: await hashPassword(password) });
  }

  async remove(userName: string): Promise<boolean> {
    this.rolesByUser.delete(userName);
    return this.store.remove(userName);
  }

  async get(userName: string): Promise<UserRecord | undefined> {
    return this.store.get(userName);
  }

  async list(): Promise<Array<Omit<UserRecord, "passwordHash">>> {
    return (await this.store.list()).map(({ passwordHash: _hash, ...rest }) => rest);
  }

  /** Replaces the user's certificate bindings (see UserCertificates). */
  async setCertificateBindings(
    userName: string,
    bindings: Pick<UserRecord, "certificateThumbprints" | "userTokenApplications">,
  ): Promise<void> {
    const record = await this.store.get(userName);
    if (!record) throw new GdsError("NotFound", "no such user");
    await this.store.put({ ...record, ...bindings });
  }

  /**
   * Checks a password. Unknown names cost the same hash as known ones, so the time taken does
   * not tell which names exist; a name locked by the throttle is refused unchecked. Only names
   * that exist are logged and audited: a password typed into the name field must not be kept.
   */
  async authenticate(userName: string, password: string): Promise<boolean> {
    const record = await this.store.get(userName);
    const locked = this.throttle.isLocked(record ? userName : unknownUser);
    const hash = record?.passwordHash ?? await unknownUserHashOnce();
    const valid = await verifyPassword(password, hash);
    if (record && valid && !locked) {
      this.throttle.succeeded(userName);
      this.rolesByUser.set(userName, new Set(record.roles));
      return true;
    }

    // Attempts during a lock do not extend it: a user retrying the right password is not
    // punished further. An attacker can still keep a name locked by guessing once per lock;
    // that is the price of making guessing slow, and the log shows it.
    const who = record ? { userName } : { userName: unknownUser };
    // Unknown names share one throttle entry: fresh names would otherwise each get their own
    // allowance, and every refusal its own signed audit entry.
    const lockStarted = !locked && this.throttle.failed(who.userName);
    this.log.warn({ ...who, locked: locked || lockStarted }, "sign-in refused");
    // One audit entry per refusal until the lock, then one per lock: a guessing caller without
    // an account must not be able to grow the signed trail without bound.
    if (!locked) {
      await this.audit?.record("user.signin.refused", who.userName,
        { ...who, locked: lockStarted });
    }
    return false;
  }

  /** Roles of a user who signed in during this process's life; none for anyone else. */
  rolesOf(userName: string | undefined): ReadonlySet<UserRole> {
    return (userName && this.rolesByUser.get(userName)) || new Set();
  }
}
