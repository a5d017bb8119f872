import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { ManualClock } from "../../src/core/clock.js";
import type { ApplicationRecord, ApplicationType } from "../../src/core/records.js";
import { ApplicationQuery } from "../../src/gds/application-query.js";
import { LikePattern } from "../../src/gds/like-pattern.js";
import { openNedbStore } from "../../src/store/nedb-store.js";
import type { GdsStore } from "../../src/store/store.js";

describe("the Like pattern of QueryApplications filters", () => {
  const like = (pattern: string, value: string) => LikePattern.parse(pattern).test(value);

  it("matches any string, the empty one too, with %", () => {
    expect(like("main%", "main")).toBe(true);
    expect(like("main%", "mainframe")).toBe(true);
    expect(like("main%", "domain")).toBe(false);
    for (const word of ["entail", "green", "content"]) expect(like("%en%", word)).toBe(true);
    expect(like("%en%", "ant")).toBe(false);
    expect(like("%", "")).toBe(true);
  });

  it("matches exactly one character, a surrogate pair too, with _", () => {
    expect(like("_ould", "would")).toBe(true);
    expect(like("_ould", "could")).toBe(true);
    expect(like("_ould", "ould")).toBe(false);
    expect(like("_ould", "shoulda")).toBe(false);
    expect(like("a_b", "a😀b")).toBe(true);
  });

  it("takes the character after \\ literally", () => {
    expect(like("5\\%", "5%")).toBe(true);
    expect(like("5\\%", "50")).toBe(false);
    expect(like("a\\_b", "a_b")).toBe(true);
    expect(like("a\\_b", "axb")).toBe(false);
    expect(like("a\\\\b", "a\\b")).toBe(true);
    expect(like("a\\[1]", "a[1]")).toBe(true);
  });

  it("matches one character of a list with ranges, and none of a [^ list", () => {
    for (const digit of "134568") expect(like("abc[13-68]", `abc${digit}`)).toBe(true);
    for (const digit of "27") expect(like("abc[13-68]", `abc${digit}`)).toBe(false);
    expect(like("xyz[c-f]", "xyze")).toBe(true);
    expect(like("xyz[c-f]", "xyzg")).toBe(false);
    for (const digit of "1345") expect(like("ABC[^13-5]", `ABC${digit}`)).toBe(false);
    expect(like("ABC[^13-5]", "ABC2")).toBe(true);
    expect(like("5[%]", "5%")).toBe(true);
    expect(like("5[%]", "55")).toBe(false);
    expect(like("5[_]", "5_")).toBe(true);
    expect(like("[a\\]]x", "]x")).toBe(true);
  });

  it("is case-sensitive", () => {
    expect(like("Main%", "main line")).toBe(false);
    expect(like("Main%", "Main line")).toBe(true);
  });

  it("refuses a malformed pattern with InvalidArgument", () => {
    for (const pattern of ["abc[", "abc\\", "[z-a]", "[]", "x".repeat(513)]) {
      expect(() => LikePattern.parse(pattern), pattern).toThrow(
        expect.objectContaining({ code: "InvalidArgument" }));
    }
  });

  it("names the one string a pattern without wildcards matches", () => {
    expect(LikePattern.parse("urn:a\\_b").literal).toBe("urn:a_b");
    expect(LikePattern.parse("urn:%").literal).toBeUndefined();
    expect(LikePattern.parse("urn:[ab]").literal).toBeUndefined();
  });

  it("does not backtrack exponentially on many % against a long value", () => {
    const started = performance.now();
    expect(like("%a%a%a%a%a%a%a%a%b", "a".repeat(4000))).toBe(false);
    expect(performance.now() - started).toBeLessThan(500);
  });
});

// The same cases for the memory store and the file store.
const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup();
});
const kinds: Array<[string, () => Promise<{ store: GdsStore; dir?: string }>]> = [
  ["memory", async () => ({ store: await openNedbStore(undefined) })],
  ["nedb files", async () => {
    const dir = await mkdtemp(join(tmpdir(), "sh-query-"));
    cleanups.push(() => rm(dir, { recursive: true, force: true }));
    return { store: await openNedbStore(dir), dir };
  }],
];

const start = new Date("2026-03-01T10:00:00.000Z");

function application(name: string, overrides: Partial<ApplicationRecord> = {}): ApplicationRecord {
  return {
    applicationId: `id-${name}`,
    applicationUri: `urn:plant:${name}`,
    applicationType: 0,
    applicationNames: [{ locale: "en", text: `Server ${name}` }, { locale: "de", text: "Anlage" }],
    productUri: "urn:vendor:product",
    discoveryUrls: [`opc.tcp://${name}:4840`],
    serverCapabilities: [],
    registeredAt: start.toISOString(),
    updatedAt: start.toISOString(),
    ...overrides,
  };
}

async function register(store: GdsStore, clock: ManualClock, record: ApplicationRecord) {
  const recordId = await store.applications.nextRecordId(clock.now());
  await store.applications.insert({ ...record, recordId });
  return recordId;
}

describe.each(kinds)("QueryApplications and QueryServers on the %s store", (_kind, open) => {
  async function directory(count: number, maxRecords = 1000) {
    const { store, dir } = await open();
    const clock = new ManualClock(start);
    const ids: number[] = [];
    for (let n = 0; n < count; n += 1) ids.push(await register(store, clock, application(`s${n}`)));
    const query = new ApplicationQuery(store.applications, clock, maxRecords);
    return { store, dir, clock, ids, query };
  }

  it("pages through every record by chaining NextRecordId, and ends with 0", async () => {
    const { query, ids } = await directory(25);
    const seen: number[] = [];
    const sizes: number[] = [];
    let next = 0;
    do {
      const page = await query.queryApplications(
        { startingRecordId: next, maxRecordsToReturn: 10 });
      sizes.push(page.applications.length);
      seen.push(...page.applications.map((record) => record.recordId!));
      next = page.nextRecordId;
    } while (next !== 0);
    expect(sizes).toEqual([10, 10, 5]);
    expect(seen).toEqual(ids);
  });

  it("starts at the record whose RecordId is StartingRecordId, skipping removed ones", async () => {
    const { store, query, ids } = await directory(6);
    await store.applications.remove("id-s3");
    const page = await query.queryApplications(
      { startingRecordId: ids[2]!, maxRecordsToReturn: 2 });
    expect(page.applications.map((record) => record.applicationUri))
      .toEqual(["urn:plant:s2", "urn:plant:s4"]);
    expect(page.nextRecordId).toBe(ids[5]);
    const past = await query.queryApplications(
      { startingRecordId: ids[5]! + 1, maxRecordsToReturn: 0 });
    expect(past).toMatchObject({ applications: [], nextRecordId: 0 });
  });

  it("caps MaxRecordsToReturn 0 and larger values at the server's maximum", async () => {
    const { query, ids } = await directory(9, 4);
    for (const max of [0, 100]) {
      const page = await query.queryApplications({ startingRecordId: 0, maxRecordsToReturn: max });
      expect(page.applications).toHaveLength(4);
      expect(page.nextRecordId).toBe(ids[4]);
    }
  });

  it("never hands out a RecordId twice, not under concurrency nor after the highest is removed",
    async () => {
      const { store, clock, ids } = await directory(3);
      const taken = await Promise.all(
        Array.from({ length: 40 }, () => store.applications.nextRecordId(clock.now())));
      expect(new Set([...ids, ...taken]).size).toBe(43);
      await store.applications.remove("id-s2");
      const after = await register(store, clock, application("late"));
      expect(after).toBeGreaterThan(Math.max(...taken));
    });

  it("keeps LastCounterResetTime at the moment the counter started", async () => {
    const { query, clock } = await directory(2);
    clock.advance(3_600_000);
    const page = await query.queryApplications({ startingRecordId: 0, maxRecordsToReturn: 0 });
    expect(page.lastCounterResetTime).toEqual(start);
  });

  it("filters by the default ApplicationName, ApplicationUri and ProductUri patterns", async () => {
    const { store, clock, query } = await directory(0);
    await register(store, clock, application("boiler-1"));
    await register(store, clock, application("boiler-2", { productUri: "urn:other:product" }));
    await register(store, clock, application("press-1"));
    const uris = async (filter: object) => (await query.queryApplications({
      startingRecordId: 0, maxRecordsToReturn: 0, ...filter,
    })).applications.map((record) => record.applicationUri);

    expect(await uris({ applicationName: "Server boiler%" }))
      .toEqual(["urn:plant:boiler-1", "urn:plant:boiler-2"]);
    expect(await uris({ applicationName: "Anlage" })).toEqual([]);
    expect(await uris({ applicationUri: "urn:plant:%-1" }))
      .toEqual(["urn:plant:boiler-1", "urn:plant:press-1"]);
    expect(await uris({ applicationUri: "urn:plant:press-1" })).toEqual(["urn:plant:press-1"]);
    expect(await uris({ productUri: "urn:other:%" })).toEqual(["urn:plant:boiler-2"]);
    expect(await uris({ applicationName: "%1", productUri: "urn:vendor:product" }))
      .toEqual(["urn:plant:boiler-1", "urn:plant:press-1"]);
  });

  it("filters by the ApplicationType mask, listing clients only when they accept reverse connect",
    async () => {
      const { store, clock, query } = await directory(0);
      const types: Array<[string, ApplicationType, string[]]> = [
        ["server", 0, []], ["client", 1, ["RCP"]], ["silent-client", 1, []],
        ["both", 2, []], ["discovery", 3, ["LDS"]],
      ];
      for (const [name, applicationType, serverCapabilities] of types) {
        await register(store, clock, application(name, { applicationType, serverCapabilities }));
      }
      const names = async (applicationTypeMask: number) => (await query.queryApplications({
        startingRecordId: 0, maxRecordsToReturn: 0, applicationTypeMask,
      })).applications.map((record) => record.applicationUri.slice("urn:plant:".length));

      expect(await names(0)).toEqual(["server", "client", "both", "discovery"]);
      expect(await names(3)).toEqual(["server", "client", "both", "discovery"]);
      expect(await names(1)).toEqual(["server", "both", "discovery"]);
      expect(await names(2)).toEqual(["client", "both"]);
      await expect(names(4)).rejects.toMatchObject({ code: "InvalidArgument" });
    });

  it("lists only records with every asked capability, ignoring case, and never one marked NA",
    async () => {
      const { store, clock, query } = await directory(0);
      await register(store, clock, application("da", { serverCapabilities: ["DA"] }));
      await register(store, clock, application("da-hd", { serverCapabilities: ["DA", "HD"] }));
      await register(store, clock, application("hidden", { serverCapabilities: ["DA", "NA"] }));
      const uris = async (serverCapabilities: string[]) => (await query.queryApplications({
        startingRecordId: 0, maxRecordsToReturn: 0, serverCapabilities,
      })).applications.map((record) => record.applicationUri);

      expect(await uris([])).toEqual(["urn:plant:da", "urn:plant:da-hd"]);
      expect(await uris(["da"])).toEqual(["urn:plant:da", "urn:plant:da-hd"]);
      expect(await uris(["DA", "HD"])).toEqual(["urn:plant:da-hd"]);
      expect(await uris(["AC"])).toEqual([]);
    });

  it("finds the one match of a sparse filter far into the directory, with NextRecordId 0",
    async () => {
      const { store, clock, query } = await directory(300);
      const needle = application("needle", { serverCapabilities: ["HD"] });
      const last = await register(store, clock, needle);
      const page = await query.queryApplications({
        startingRecordId: 0, maxRecordsToReturn: 1, serverCapabilities: ["HD"],
      });
      expect(page.applications.map((record) => record.recordId)).toEqual([last]);
      expect(page.nextRecordId).toBe(0);
    });

  it("QueryServers lists one entry per DiscoveryUrl of servers after StartingRecordId",
    async () => {
    const { store, clock, query } = await directory(0);
    const first = await register(store, clock, application("a"));
    const second = await register(store, clock, application("b", {
      discoveryUrls: ["opc.tcp://b:4840", "opc.https://b:443"], serverCapabilities: ["DA"],
    }));
    await register(store, clock,
      application("c", { applicationType: 1, serverCapabilities: ["RCP"] }));

    const all = await query.queryServers({ startingRecordId: 0, maxRecordsToReturn: 0 });
    expect(all.lastCounterResetTime).toEqual(start);
    expect(all.servers).toEqual([
      { recordId: first, serverName: "Server a", discoveryUrl: "opc.tcp://a:4840",
        serverCapabilities: [] },
      { recordId: second, serverName: "Server b", discoveryUrl: "opc.tcp://b:4840",
        serverCapabilities: ["DA"] },
      { recordId: second, serverName: "Server b", discoveryUrl: "opc.https://b:443",
        serverCapabilities: ["DA"] },
    ]);
    const after = await query.queryServers({ startingRecordId: first, maxRecordsToReturn: 0 });
    expect(after.servers.map((server) => server.recordId)).toEqual([second, second]);
  });

  it("QueryServers never splits a server's DiscoveryUrls across two answers", async () => {
    const { store, clock, query } = await directory(0);
    const twoUrls = { discoveryUrls: ["opc.tcp://x:1", "opc.tcp://x:2"] };
    const a = await register(store, clock, application("a"));
    const b = await register(store, clock, application("b", twoUrls));
    const c = await register(store, clock, application("c", twoUrls));

    const page1 = await query.queryServers({ startingRecordId: 0, maxRecordsToReturn: 2 });
    expect(page1.servers.map((server) => server.recordId)).toEqual([a]);
    const page2 = await query.queryServers({ startingRecordId: a, maxRecordsToReturn: 1 });
    expect(page2.servers.map((server) => server.recordId)).toEqual([b, b]);
    const page3 = await query.queryServers({ startingRecordId: b, maxRecordsToReturn: 3 });
    expect(page3.servers.map((server) => server.recordId)).toEqual([c, c]);
  });
});

describe("RecordIds on a file store", () => {
  it("survive a restart and are not reused after the highest record is removed", async () => {
    const dir = await mkdtemp(join(tmpdir(), "sh-query-"));
    cleanups.push(() => rm(dir, { recursive: true, force: true }));
    const clock = new ManualClock(start);
    const first = await openNedbStore(dir);
    await register(first, clock, application("a"));
    const highest = await register(first, clock, application("b"));
    await first.applications.remove("id-b");
    await first.close();

    const second = await openNedbStore(dir);
    clock.advance(60_000);
    expect(await register(second, clock, application("c"))).toBe(highest + 1);
    const counter = await second.applications.recordCounter(clock.now());
    expect(counter.resetAt).toBe(start.toISOString());
  });

  it("are given to records stored before they existed, oldest first, when the counter starts",
    async () => {
      const store = await openNedbStore(undefined);
      await store.applications.insert(application("new", { registeredAt: "2026-02-02T00:00:00Z" }));
      await store.applications.insert(application("old", { registeredAt: "2026-01-01T00:00:00Z" }));
      const query = new ApplicationQuery(store.applications, new ManualClock(start));
      const page = await query.queryApplications({ startingRecordId: 0, maxRecordsToReturn: 0 });
      expect(page.applications.map((record) => [record.applicationUri, record.recordId]))
        .toEqual([["urn:plant:old", 1], ["urn:plant:new", 2]]);
    });
});
