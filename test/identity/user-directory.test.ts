import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { ManualClock } from "../../src/core/clock.js";
import { UserDirectory } from "../../src/identity/user-directory.js";
import { createLogger } from "../../src/log/logger.js";
import { openNedbStore } from "../../src/store/nedb-store.js";
import type { GdsStore } from "../../src/store/store.js";

describe("the first administrator", () => {
  let dir: string;
  let store: GdsStore;
  let users: UserDirectory;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), "sh-users-"));
    store = await openNedbStore(undefined);
    users = new UserDirectory(store.users, new ManualClock(new Date("2026-01-01")),
      createLogger({ level: "silent" }));
  });

  afterEach(async () => {
    await store.close();
    await rm(dir, { recursive: true, force: true });
  });

  it("is created once, with a generated password written to a file of mode 0600", async () => {
    const file = join(dir, "admin.password");
    expect(await users.ensureAdministrator(undefined, file)).toBe(true);
    const password = (await readFile(file, "utf8")).trim();
    expect(await users.authenticate("admin", password)).toBe(true);
    expect(await users.ensureAdministrator("another password 123", file)).toBe(false);
    expect(await users.authenticate("admin", "another password 123")).toBe(false);
  });

  it("stays removed once an administrator removed it, whatever the environment says", async () => {
    await users.ensureAdministrator("first password 123", join(dir, "admin.password"));
    await users.put("alice", "alice's password 1", ["SecurityAdmin"]);
    await store.users.remove("admin");

    expect(await users.ensureAdministrator("known password 123", join(dir, "admin.password")))
      .toBe(false);
    expect(await store.users.get("admin")).toBeUndefined();
  });

  it("refuses a short SH_ADMIN_PASSWORD", async () => {
    await expect(users.ensureAdministrator("short", join(dir, "admin.password")))
      .rejects.toThrow(/at least 12 characters/);
  });
});
