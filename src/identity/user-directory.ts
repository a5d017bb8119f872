import { randomBytes } from "node:crypto";
import { chmod, writeFile } from "node:fs/promises";
import type { Clock } from "../core/clock.js";
import type { UserRecord, UserRole } from "../core/records.js";
import type { Logger } from "../log/logger.js";
import type { UserStore } from "../store/store.js";
import { hashPassword, verifyPassword } from "./password-hash.js";

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
  ) {}

  /**
   * Creates `admin` on the first start: with the given password, or a generated one written
   * to `passwordFile` (mode 0600). A later start keeps the stored password.
   */
  async ensureAdministrator(password: string | undefined, passwordFile: string): Promise<void> {
    if (await this.store.get("admin")) return;

    const chosen = password && password.length > 0 ? password : randomBytes(18).toString("base64url");
    if (!password) {
      await writeFile(passwordFile, `${chosen}\n`, { mode: 0o600 });
      await chmod(passwordFile, 0o600); // a file left by an interrupted first start keeps its mode
    }
    await this.put("admin", chosen, allAdminRoles);
    this.log.info(
      { userName: "admin", passwordSource: password ? "environment" : "generated file" },
      "administrator created",
    );
  }

  async put(userName: string, password: string, roles: UserRole[]): Promise<void> {
    const record: UserRecord = {
      userName,
      passwordHash: await hashPassword(password),
      roles,
      createdAt: this.clock.now().toISOString(),
    };
    await this.store.put(record);
    this.rolesByUser.delete(userName);
  }

  async authenticate(userName: string, password: string): Promise<boolean> {
    const record = await this.store.get(userName);
    if (!record || !(await verifyPassword(password, record.passwordHash))) {
      this.log.warn({ userName }, "sign-in refused");
      return false;
    }
    this.rolesByUser.set(userName, new Set(record.roles));
    return true;
  }

  /** Roles of a user who signed in during this process's life; none for anyone else. */
  rolesOf(userName: string | undefined): ReadonlySet<UserRole> {
    return (userName && this.rolesByUser.get(userName)) || new Set();
  }
}
