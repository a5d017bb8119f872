import { Writable } from "node:stream";
import { describe, expect, it } from "vitest";
import { ManualClock } from "../../src/core/clock.js";
import { SignInThrottle } from "../../src/identity/sign-in-throttle.js";
import { UserDirectory } from "../../src/identity/user-directory.js";
import { createLogger } from "../../src/log/logger.js";
import { openNedbStore } from "../../src/store/nedb-store.js";

const policy = { failuresBeforeLock: 3, firstLockMs: 1_000, maxLockMs: 8_000, trackedNames: 4 };

describe("the sign-in throttle", () => {
  it("locks a name after the allowed failures, doubling the lock up to the maximum", () => {
    const clock = new ManualClock(new Date("2026-01-01"));
    const throttle = new SignInThrottle(clock, policy);
    expect([throttle.failed("eve"), throttle.failed("eve")]).toEqual([false, false]);
    expect(throttle.isLocked("eve")).toBe(false);
    expect(throttle.failed("eve")).toBe(true);
    expect(throttle.isLocked("eve")).toBe(true);

    clock.advance(1_000);
    expect(throttle.isLocked("eve")).toBe(false);
    throttle.failed("eve");
    clock.advance(1_999);
    expect(throttle.isLocked("eve")).toBe(true);
    for (let i = 0; i < 10; i++) throttle.failed("eve");
    clock.advance(8_000);
    expect(throttle.isLocked("eve")).toBe(false);
  });

  it("forgets a name on success and bounds the names it tracks", () => {
    const throttle = new SignInThrottle(new ManualClock(new Date("2026-01-01")), policy);
    for (let i = 0; i < 3; i++) throttle.failed("bob");
    throttle.succeeded("bob");
    expect(throttle.isLocked("bob")).toBe(false);

    for (let i = 0; i < 3; i++) throttle.failed("first");
    for (const name of ["a", "b", "c", "d"]) throttle.failed(name);
    expect(throttle.isLocked("first")).toBe(false);
  });
});

describe("sign-in", () => {
  it("refuses the right password while locked, and accepts it once the lock ran out", async () => {
    const clock = new ManualClock(new Date("2026-01-01"));
    const lines: string[] = [];
    const sink = new Writable({
      write: (chunk, _e, done) => {
        lines.push(String(chunk));
        done();
      },
    });
    const store = await openNedbStore(undefined);
    const users = new UserDirectory(store.users, clock, createLogger({ destination: sink }),
      undefined, new SignInThrottle(clock, policy));
    await users.put("carol", "carol's password 1", ["Operator"]);

    for (let i = 0; i < 3; i++) expect(await users.authenticate("carol", "guess")).toBe(false);
    expect(await users.authenticate("carol", "carol's password 1")).toBe(false);
    clock.advance(1_000);
    expect(await users.authenticate("carol", "carol's password 1")).toBe(true);

    // A password typed into the name field is not kept.
    expect(await users.authenticate("hunter2-secret", "x")).toBe(false);
    expect(lines.join("")).not.toContain("hunter2-secret");
    expect(lines.join("")).toContain("(unknown user)");
    await store.close();
  });
});

describe("refusals for unknown names", () => {
  it("share one allowance, so fresh names cannot grow the audit trail without bound", async () => {
    const clock = new ManualClock(new Date("2026-01-01"));
    const audited: string[] = [];
    const audit = { record: async (action: string) => { audited.push(action); } };
    const store = await openNedbStore(undefined);
    const users = new UserDirectory(store.users, clock, createLogger({ level: "silent" }),
      audit, new SignInThrottle(clock, policy));

    for (let i = 0; i < 50; i++) expect(await users.authenticate(`guess-${i}`, "x")).toBe(false);

    expect(audited.length).toBe(policy.failuresBeforeLock);
    await store.close();
  });
});
