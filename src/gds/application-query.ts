import type { Clock } from "../core/clock.js";
import type { ApplicationRecord } from "../core/records.js";
import type { ApplicationStore } from "../store/store.js";
import {
  applicationTypeMasks,
  compileApplicationFilter,
  type ApplicationFilter,
  type CompiledFilter,
} from "./application-filter.js";

export interface QueryApplicationsInput extends ApplicationFilter {
  startingRecordId: number;
  /** 0 asks for everything; the answer is capped at the server's maximum all the same. */
  maxRecordsToReturn: number;
}

export interface ApplicationPage {
  lastCounterResetTime: Date;
  /** The RecordId of the first match not returned, to pass as StartingRecordId; 0 when none. */
  nextRecordId: number;
  applications: ApplicationRecord[];
}

export type QueryServersInput = Omit<QueryApplicationsInput, "applicationTypeMask">;

/** One DiscoveryUrl of a server, as Part 12 maps a record to ServerOnNetwork. */
export interface ServerOnNetworkEntry {
  recordId: number;
  serverName: string;
  discoveryUrl: string;
  serverCapabilities: string[];
}

export interface ServerPage {
  lastCounterResetTime: Date;
  servers: ServerOnNetworkEntry[];
}

/** Most records one call returns, whatever MaxRecordsToReturn says (0 included). */
export const maxRecordsPerQuery = 1000;

/**
 * QueryApplications and QueryServers (Part 12, 6.5.10 and 6.5.11): pages through the directory
 * in RecordId order. Anyone may call them, anonymous sessions too; they only read.
 *
 * StartingRecordId: QueryApplications returns records with a RecordId of at least
 * StartingRecordId and NextRecordId is the first match it left out, so chaining NextRecordId
 * loses nothing. (Part 12 says "greater than" and also "pass NextRecordId as StartingRecordId";
 * both cannot hold with NextRecordId naming the next record, and losing a record is worse than
 * repeating one.) QueryServers has no NextRecordId: clients continue from the last RecordId
 * they received, so it returns records with a RecordId greater than StartingRecordId, as
 * Part 12 says, and never splits one server's DiscoveryUrls across two answers.
 */
export class ApplicationQuery {
  constructor(
    private readonly applications: ApplicationStore,
    private readonly clock: Clock,
    private readonly maxRecords = maxRecordsPerQuery,
  ) {}

  async queryApplications(input: QueryApplicationsInput): Promise<ApplicationPage> {
    const filter = compileApplicationFilter(input);
    const limit = this.limit(input.maxRecordsToReturn);
    const counter = await this.applications.recordCounter(this.clock.now());

    // One match beyond the page tells NextRecordId.
    const matches: ApplicationRecord[] = [];
    for await (const record of this.matching(input.startingRecordId, filter, limit + 1)) {
      matches.push(record);
      if (matches.length > limit) break;
    }
    return {
      lastCounterResetTime: new Date(counter.resetAt),
      nextRecordId: matches[limit]?.recordId ?? 0,
      applications: matches.slice(0, limit),
    };
  }

  async queryServers(input: QueryServersInput): Promise<ServerPage> {
    const filter = compileApplicationFilter({
      ...input, applicationTypeMask: applicationTypeMasks.servers,
    });
    const limit = this.limit(input.maxRecordsToReturn);
    const counter = await this.applications.recordCounter(this.clock.now());

    const servers: ServerOnNetworkEntry[] = [];
    const from = input.startingRecordId + 1;
    for await (const record of this.matching(from, filter, limit + 1)) {
      const entries = serversOnNetwork(record);
      // A record whose DiscoveryUrls do not fit waits for the next call, unless it is the
      // first: then it comes whole, slightly over the limit, so that paging moves on.
      if (servers.length > 0 && servers.length + entries.length > limit) break;
      servers.push(...entries);
      if (servers.length >= limit) break;
    }
    return { lastCounterResetTime: new Date(counter.resetAt), servers };
  }

  private limit(maxRecordsToReturn: number): number {
    if (maxRecordsToReturn === 0) return this.maxRecords;
    return Math.min(maxRecordsToReturn, this.maxRecords);
  }

  /** Matches from a RecordId on, in RecordId order. */
  private async *matching(
    fromRecordId: number,
    filter: CompiledFilter,
    batchSize: number,
  ): AsyncGenerator<ApplicationRecord> {
    // A pattern without wildcards names one ApplicationUri: its unique index answers at once.
    if (filter.exactApplicationUri !== undefined) {
      const found = await this.applications.findByUri(filter.exactApplicationUri);
      yield* found
        .filter((record) => record.recordId !== undefined && record.recordId >= fromRecordId
          && filter.matches(record))
        .sort((a, b) => (a.recordId ?? 0) - (b.recordId ?? 0));
      return;
    }
    yield* this.applications.scanByRecordId(fromRecordId, filter.matches, batchSize);
  }
}

function serversOnNetwork(record: ApplicationRecord): ServerOnNetworkEntry[] {
  return record.discoveryUrls.map((discoveryUrl) => ({
    recordId: record.recordId ?? 0,
    serverName: record.applicationNames[0]?.text ?? "",
    discoveryUrl,
    serverCapabilities: [...record.serverCapabilities],
  }));
}
