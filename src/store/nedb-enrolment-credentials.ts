import { join } from "node:path";
import { GdsError } from "../core/errors.js";
import type { EnrolmentCredentialRecord } from "../core/records.js";
import type { EnrolmentCredentialStore } from "./store.js";
import { NedbCollection } from "./nedb-collection.js";

/** EST enrolment credentials in `directory/est-credentials.db`, or in memory without one. */
export async function openEnrolmentCredentialStore(
  directory: string | undefined,
): Promise<EnrolmentCredentialStore> {
  const credentials = await NedbCollection.open<EnrolmentCredentialRecord>(
    directory ? join(directory, "est-credentials.db") : undefined);
  return {
    insert: (record) => credentials.insert(record.credentialId, record),
    get: (credentialId) => credentials.get(credentialId),
    replace: async (record) => {
      const replaced = await credentials.replace(record.credentialId, record);
      if (!replaced) throw new GdsError("NotFound", "no such enrolment credential");
    },
    close: () => credentials.close(),
  };
}
