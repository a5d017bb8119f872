import type { PushTargetRecord } from "../core/push-records.js";
import { GdsError } from "../core/errors.js";
import { NedbCollection } from "./nedb-collection.js";

/** The push targets, one record per registered application that the GDS manages by push. */
export interface PushTargetStore {
  /** Creates or replaces the target of an application. */
  put(record: PushTargetRecord): Promise<void>;
  get(applicationId: string): Promise<PushTargetRecord | undefined>;
  /** Replaces an existing record; a removed target is NotFound, so no attempt revives it. */
  replace(record: PushTargetRecord): Promise<void>;
  remove(applicationId: string): Promise<boolean>;
  list(): Promise<PushTargetRecord[]>;
  close(): Promise<void>;
}

/** On nedb, in `file`, or in memory when `file` is undefined. */
export async function openPushTargetStore(file: string | undefined): Promise<PushTargetStore> {
  const targets = await NedbCollection.open<PushTargetRecord>(file);
  return {
    put: (record) => targets.upsert(record.applicationId, record),
    get: (applicationId) => targets.get(applicationId),
    replace: async (record) => {
      const replaced = await targets.replace(record.applicationId, record);
      if (!replaced) throw new GdsError("NotFound", "no push target for this application");
    },
    remove: (applicationId) => targets.remove(applicationId),
    list: () => targets.find({}, { createdAt: 1 }),
    close: () => targets.close(),
  };
}
