import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import type { ApplicationRecord, IssuedCertificateRecord } from "../../src/core/records.js";
import { openNedbStore } from "../../src/store/nedb-store.js";
import type { GdsStore } from "../../src/store/store.js";

function application(applicationId: string, applicationUri: string): ApplicationRecord {
  return {
    applicationId,
    applicationUri,
    applicationType: 0,
    applicationNames: [{ locale: "en", text: "A" }],
    productUri: "urn:p",
    discoveryUrls: ["opc.tcp://h:4840"],
    serverCapabilities: [],
    registeredAt: "2026-01-01T00:00:00.000Z",
    updatedAt: "2026-01-01T00:00:00.000Z",
  };
}

function certificate(serialNumber: string, issuedAt: string): IssuedCertificateRecord {
  return {
    serialNumber,
    thumbprint: `t${serialNumber}`,
    applicationId: "app",
    requestId: `r${serialNumber}`,
    certificateGroupId: "DefaultApplicationGroup",
    certificateTypeId: "RsaSha256ApplicationCertificateType",
    subject: "CN=x",
    notBefore: issuedAt,
    notAfter: issuedAt,
    authorityKeyId: "aa",
    der: "AA==",
    issuedAt,
  };
}

// The same contract for the file store and the memory store.
type OpenStore = () => Promise<{ store: GdsStore; reopen?: () => Promise<GdsStore> }>;
const kinds: Array<[string, OpenStore]> = [
  ["memory", async () => ({ store: await openNedbStore(undefined) })],
  ["nedb files", async () => {
    const dir = await mkdtemp(join(tmpdir(), "sh-store-"));
    cleanups.push(() => rm(dir, { recursive: true, force: true }));
    return { store: await openNedbStore(dir), reopen: () => openNedbStore(dir) };
  }],
];
const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup();
});

describe.each(kinds)("the %s store", (_kind, open) => {
  it("refuses a second application with the same ApplicationUri with EntryExists", async () => {
    const { store } = await open();
    await store.applications.insert(application("a", "urn:x"));
    await expect(store.applications.insert(application("b", "urn:x")))
      .rejects.toMatchObject({ code: "EntryExists" });
    expect(await store.applications.count()).toBe(1);
  });

  it("refuses a serial number twice, even under concurrent inserts", async () => {
    const { store } = await open();
    const results = await Promise.allSettled(
      Array.from({ length: 20 },
        () => store.certificates.insert(certificate("0abc", "2026-01-01"))));
    expect(results.filter((result) => result.status === "fulfilled")).toHaveLength(1);
    expect(await store.certificates.count()).toBe(1);
  });

  it("finds the most recently issued certificate of an application", async () => {
    const { store } = await open();
    await store.certificates.insert(certificate("01", "2026-01-01T00:00:00.000Z"));
    await store.certificates.insert(certificate("02", "2026-03-01T00:00:00.000Z"));
    await store.certificates.insert(certificate("03", "2026-02-01T00:00:00.000Z"));
    const latest = await store.certificates.latest(
      "app", "DefaultApplicationGroup", "RsaSha256ApplicationCertificateType");
    expect(latest?.serialNumber).toBe("02");
  });

  it("reports a replace of a missing record as NotFound", async () => {
    const { store } = await open();
    await expect(store.applications.replace(application("nope", "urn:nope")))
      .rejects.toMatchObject({ code: "NotFound" });
  });

  it("returns records without store-internal fields", async () => {
    const { store } = await open();
    await store.applications.insert(application("a", "urn:x"));
    expect(await store.applications.get("a")).toEqual(application("a", "urn:x"));
  });

  it("keeps what it was given across a reopen when it has files", async () => {
    const { store, reopen } = await open();
    if (!reopen) return;
    await store.applications.insert(application("a", "urn:x"));
    await store.certificates.insert(certificate("01", "2026-01-01"));
    await store.close();
    const again = await reopen();
    expect(await again.applications.findByUri("urn:x")).toHaveLength(1);
    expect((await again.certificates.getBySerial("01"))?.thumbprint).toBe("t01");
  });
});
