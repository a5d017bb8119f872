import { randomUUID } from "node:crypto";
import type { AuditTrail } from "../core/audit-trail.js";
import type { Clock } from "../core/clock.js";
import { GdsError } from "../core/errors.js";
import type { ApplicationRecord } from "../core/records.js";
import type { Logger } from "../log/logger.js";
import type { GdsStore } from "../store/store.js";
import { ApplicationQuery } from "./application-query.js";
import { actorName, type Caller } from "./caller.js";
import { requireDirectoryRights } from "./rights.js";
import { checkApplicationRecord, type ApplicationRecordInput } from "./application-record-check.js";

/**
 * The Part 12 Directory: applications register, update and unregister themselves (or are
 * registered by a DiscoveryAdmin), and anyone may look them up.
 */
export class ApplicationDirectory {
  constructor(
    private readonly store: GdsStore,
    private readonly clock: Clock,
    private readonly log: Logger,
    /** Called when an application leaves, so that its certificates can be revoked. */
    private readonly onUnregistered: (applicationId: string, caller: Caller) => Promise<void>,
    private readonly audit: AuditTrail,
  ) {}

  async register(caller: Caller, input: ApplicationRecordInput): Promise<string> {
    requireDirectoryRights(caller);
    checkApplicationRecord(input);

    const now = this.clock.now().toISOString();
    const record: ApplicationRecord = {
      ...copyInput(input),
      applicationId: randomUUID(),
      recordId: await this.store.applications.nextRecordId(this.clock.now()),
      registeredAt: now,
      updatedAt: now,
    };
    try {
      await this.store.applications.insert(record);
    } catch (error) {
      if (error instanceof GdsError && error.code === "EntryExists") {
        throw new GdsError("EntryExists", "this ApplicationUri is already registered");
      }
      throw error;
    }

    this.log.info(
      { applicationId: record.applicationId, applicationUri: record.applicationUri,
        actor: actorName(caller) },
      "application registered",
    );
    await this.audit.record("application.registered", actorName(caller), {
      applicationId: record.applicationId, applicationUri: record.applicationUri,
    });
    return record.applicationId;
  }

  async update(caller: Caller, applicationId: string, input: ApplicationRecordInput) {
    requireDirectoryRights(caller, applicationId);
    const existing = await this.get(applicationId);
    if (existing.applicationUri !== input.applicationUri) {
      throw new GdsError("WriteNotSupported", "the ApplicationUri of a record cannot change");
    }
    checkApplicationRecord(input);

    const record: ApplicationRecord = {
      ...existing,
      ...copyInput(input),
      // Part 12: an updated record gets a new RecordId, so that paging clients see the change.
      recordId: await this.store.applications.nextRecordId(this.clock.now()),
      updatedAt: this.clock.now().toISOString(),
    };
    await this.store.applications.replace(record);
    this.log.info(
      { applicationId, applicationUri: record.applicationUri, actor: actorName(caller) },
      "application updated",
    );
    await this.audit.record("application.updated", actorName(caller), {
      applicationId, applicationUri: record.applicationUri,
    });
  }

  async unregister(caller: Caller, applicationId: string): Promise<void> {
    requireDirectoryRights(caller);
    const existing = await this.get(applicationId);

    await this.onUnregistered(applicationId, caller);
    await this.store.applications.remove(applicationId);
    this.log.info(
      { applicationId, applicationUri: existing.applicationUri, actor: actorName(caller) },
      "application unregistered",
    );
    await this.audit.record("application.unregistered", actorName(caller), {
      applicationId, applicationUri: existing.applicationUri,
    });
  }

  async get(applicationId: string): Promise<ApplicationRecord> {
    const record = await this.store.applications.get(applicationId);
    if (!record) throw new GdsError("NotFound", "no application with this ApplicationId");
    return record;
  }

  async findByUri(applicationUri: string): Promise<ApplicationRecord[]> {
    return this.store.applications.findByUri(applicationUri);
  }

  /** QueryApplications and QueryServers, which page through the directory by RecordId. */
  queries(): ApplicationQuery {
    return new ApplicationQuery(this.store.applications, this.clock);
  }
}

/** Copies only the caller-supplied fields, so no extra property of the input reaches the store. */
function copyInput(input: ApplicationRecordInput): ApplicationRecordInput {
  return {
    applicationUri: input.applicationUri,
    applicationType: input.applicationType,
    applicationNames: input.applicationNames.map(({ locale, text }) => ({ locale, text })),
    productUri: input.productUri,
    discoveryUrls: [...input.discoveryUrls],
    serverCapabilities: [...input.serverCapabilities],
  };
}
