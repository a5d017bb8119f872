import { X509Certificate } from "node:crypto";
import { afterAll, beforeEach, describe, expect, it } from "vitest";
import type { AuditDetails } from "../../src/core/audit-trail.js";
import { ManualClock } from "../../src/core/clock.js";
import type { UserRecord } from "../../src/core/records.js";
import {
  thumbprintOf,
  UserCertificates,
  type IssuedCertificateStatus,
} from "../../src/identity/user-certificates.js";
import { createLogger } from "../../src/log/logger.js";
import { openNedbStore } from "../../src/store/nedb-store.js";
import type { GdsStore } from "../../src/store/store.js";
import { opensslOk, ScratchDirectory } from "../ca/openssl.js";

const scratch = new ScratchDirectory();
const log = createLogger({ level: "silent" });

/** A self-signed certificate valid for two days from now. */
function selfSigned(name: string): X509Certificate {
  opensslOk(["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
    "-days", "2", "-subj", `/CN=${name}`, "-keyout", scratch.file(`${name}.key`),
    "-out", scratch.file(`${name}.pem`)]);
  return new X509Certificate(scratch.read(`${name}.pem`));
}

const alice = selfSigned("alice");
const user = (fields: Partial<UserRecord>): UserRecord => ({
  userName: "alice", passwordHash: "-", roles: ["Operator"], createdAt: "2026-01-01T00:00:00Z",
  ...fields,
});

describe("which user an X.509 user-token certificate stands for", () => {
  let store: GdsStore;
  let clock: ManualClock;
  let issued: Awaited<ReturnType<IssuedCertificateStatus>>;
  const audited: Array<{ action: string; details: AuditDetails }> = [];

  const certificates = () => new UserCertificates(store.users, async () => issued, clock, log,
    { record: async (action, _actor, details) => void audited.push({ action, details }) });

  beforeEach(async () => {
    store = await openNedbStore(undefined);
    clock = new ManualClock(new Date());
    issued = { status: "Unknown" };
    audited.length = 0;
  });

  afterAll(() => scratch.remove());

  it("accepts a certificate bound by thumbprint within its validity period only", async () => {
    await store.users.put(user({ certificateThumbprints: [thumbprintOf(alice.raw)] }));
    expect((await certificates().userOf(alice.raw))?.userName).toBe("alice");

    clock.set(new Date(Date.parse(alice.validTo) + 1000));
    expect(await certificates().signIn(alice.raw)).toEqual({ accepted: false,
      reason: "TimeInvalid" });
    clock.set(new Date(Date.parse(alice.validFrom) - 1000));
    expect(await certificates().userOf(alice.raw)).toBeUndefined();
  });

  it("refuses a bound certificate that this CA issued and revoked", async () => {
    await store.users.put(user({ certificateThumbprints: [thumbprintOf(alice.raw)] }));
    issued = { status: "Revoked",
      record: { applicationId: "app", certificateGroupId: "DefaultUserTokenGroup" } };
    expect(await certificates().signIn(alice.raw)).toEqual({ accepted: false,
      reason: "Revoked" });
    expect(audited).toEqual([{ action: "user.signin.refused",
      details: { thumbprint: thumbprintOf(alice.raw), reason: "Revoked" } }]);
  });

  it("admits an ApplicationId binding for DefaultUserTokenGroup certificates only", async () => {
    await store.users.put(user({ userName: "bob", roles: ["CertificateAuthorityAdmin"],
      userTokenApplications: ["app-1"] }));
    issued = { status: "Good",
      record: { applicationId: "app-1", certificateGroupId: "DefaultUserTokenGroup" } };
    expect((await certificates().userOf(alice.raw))?.roles).toEqual(["CertificateAuthorityAdmin"]);

    // The application's own instance certificate must not sign a user in.
    issued = { status: "Good",
      record: { applicationId: "app-1", certificateGroupId: "DefaultApplicationGroup" } };
    expect(await certificates().signIn(alice.raw)).toEqual({ accepted: false,
      reason: "Unknown" });
  });

  it("refuses unknown and malformed certificates", async () => {
    expect(await certificates().signIn(alice.raw)).toEqual({ accepted: false,
      reason: "Unknown" });
    expect(await certificates().signIn(Buffer.from("not a certificate"))).toEqual({
      accepted: false, reason: "Invalid" });
  });
});
