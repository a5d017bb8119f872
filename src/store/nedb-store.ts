import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import type {
  ApplicationRecord,
  AuthorityRecord,
  CertificateRequestRecord,
  IssuedCertificateRecord,
  RecordCounter,
  UserRecord,
} from "../core/records.js";
import { GdsError } from "../core/errors.js";
import { NedbCollection } from "./nedb-collection.js";
import type { GdsStore } from "./store.js";

/**
 * The GDS store on nedb files under `directory`, or in memory when `directory` is undefined.
 * nedb runs every operation of a datastore through one queue, so concurrent requests in this
 * process cannot interleave inside a write; unique indexes refuse a second serial number,
 * thumbprint or ApplicationUri.
 */
export async function openNedbStore(directory: string | undefined): Promise<GdsStore> {
  if (directory) await mkdir(directory, { recursive: true, mode: 0o700 });
  const file = (name: string) => (directory ? join(directory, `${name}.db`) : undefined);

  const applications = await NedbCollection.open<ApplicationRecord>(
    file("applications"), ["applicationUri"]);
  const requests = await NedbCollection.open<CertificateRequestRecord>(
    file("requests"), [], ["state"]);
  const certificates = await NedbCollection.open<IssuedCertificateRecord>(
    file("certificates"), ["thumbprint"], ["applicationId"]);
  const authorities = await NedbCollection.open<AuthorityRecord>(file("authorities"));
  const users = await NedbCollection.open<UserRecord>(file("users"));
  const counters = await NedbCollection.open<RecordCounter>(file("counters"));
  await applications.index("recordId", { unique: true, sparse: true });
  const recordIds = new RecordIdCounter(applications, counters);

  return {
    applications: {
      insert: (record) => applications.insert(record.applicationId, record),
      replace: async (record) => {
        const replaced = await applications.replace(record.applicationId, record);
        if (!replaced) throw new GdsError("NotFound", "no such application");
      },
      get: (applicationId) => applications.get(applicationId),
      findByUri: (applicationUri) => applications.find({ applicationUri }),
      remove: (applicationId) => applications.remove(applicationId),
      count: () => applications.count(),
      nextRecordId: (now) => recordIds.next(now),
      recordCounter: (now) => recordIds.current(now),
      scanByRecordId: async function* (fromRecordId, where, batchSize) {
        const until = (await counters.get(RecordIdCounter.key))?.lastRecordId ?? 0;
        yield* applications.scanAscending("recordId", { from: fromRecordId, until }, where,
          batchSize);
      },
    },
    requests: {
      insert: (record) => requests.insert(record.requestId, record),
      get: (requestId) => requests.get(requestId),
      replace: async (record) => {
        const replaced = await requests.replace(record.requestId, record);
        if (!replaced) throw new GdsError("NotFound", "no such request");
      },
      remove: (requestId) => requests.remove(requestId),
      list: (state) => requests.find(state ? { state } : {}, { createdAt: 1 }),
    },
    certificates: {
      insert: (record) => certificates.insert(record.serialNumber, record),
      getBySerial: (serialNumber) => certificates.get(serialNumber),
      getByThumbprint: async (thumbprint) => (await certificates.find({ thumbprint }))[0],
      latest: async (applicationId, certificateGroupId, certificateTypeId) => {
        const query = { applicationId, certificateGroupId, certificateTypeId };
        return (await certificates.find(query, { issuedAt: -1 }, 1))[0];
      },
      remove: (serialNumber) => certificates.remove(serialNumber),
      replace: async (record) => {
        const replaced = await certificates.replace(record.serialNumber, record);
        if (!replaced) throw new GdsError("NotFound", "no such certificate");
      },
      listForApplication: (applicationId) =>
        certificates.find({ applicationId }, { issuedAt: -1 }),
      listRevoked: () => certificates.find({ revokedAt: { $exists: true } } as never),
      count: () => certificates.count(),
    },
    authorities: {
      get: (authorityId) => authorities.get(authorityId),
      put: (record) => authorities.upsert(record.authorityId, record),
    },
    users: {
      get: (userName) => users.get(userName),
      put: (record) => users.upsert(record.userName, record),
      remove: (userName) => users.remove(userName),
      list: () => users.find({}, { userName: 1 }),
    },
    close: async () => {
      // Nothing stays buffered (appends are not held back); this lets go of the open files.
      const collections = [applications, requests, certificates, authorities, users, counters];
      await Promise.all(collections.map((collection) => collection.close()));
    },
  };
}

/**
 * The RecordId counter of the applications, one document in `counters`. The first use starts
 * it and numbers the records stored before RecordIds existed, oldest first; a second starter
 * (another call racing the first) finds the document there and only counts on.
 */
class RecordIdCounter {
  static readonly key = "applicationRecordId";
  private started = false;

  constructor(
    private readonly applications: NedbCollection<ApplicationRecord>,
    private readonly counters: NedbCollection<RecordCounter>,
  ) {}

  async next(now: Date): Promise<number> {
    await this.start(now);
    const value = await this.counters.increment(RecordIdCounter.key, "lastRecordId");
    if (value === undefined) throw new GdsError("Internal", "the RecordId counter is missing");
    return value;
  }

  async current(now: Date): Promise<RecordCounter> {
    await this.start(now);
    const counter = await this.counters.get(RecordIdCounter.key);
    if (!counter) throw new GdsError("Internal", "the RecordId counter is missing");
    return counter;
  }

  private async start(now: Date): Promise<void> {
    if (this.started) return;
    try {
      await this.counters.insert(RecordIdCounter.key,
        { lastRecordId: 0, resetAt: now.toISOString() });
    } catch (error) {
      if (!(error instanceof GdsError && error.code === "EntryExists")) throw error;
      this.started = true;
      return;
    }
    this.started = true;
    const unnumbered = await this.applications.find({ recordId: { $exists: false } },
      { registeredAt: 1 });
    for (const record of unnumbered) {
      const recordId = await this.next(now);
      await this.applications.replace(record.applicationId, { ...record, recordId });
    }
  }
}
