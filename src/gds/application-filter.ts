import { GdsError } from "../core/errors.js";
import type { ApplicationRecord } from "../core/records.js";
import { LikePattern } from "./like-pattern.js";

/**
 * The filters of QueryApplications and QueryServers (Part 12, 6.5.10 and 6.5.11). An empty or
 * absent filter is not applied; a record must pass all of them.
 */
export interface ApplicationFilter {
  /** Like pattern over the default (first) ApplicationName. */
  applicationName?: string;
  /** Like pattern over the ApplicationUri. */
  applicationUri?: string;
  /** Like pattern over the ProductUri. */
  productUri?: string;
  /** QueryApplications' mask: bit 0 (1) servers, bit 1 (2) clients; 0 means all. */
  applicationTypeMask?: number;
  /** Capabilities a record must all have; compared without regard to case. */
  serverCapabilities?: string[];
}

export const applicationTypeMasks = { all: 0, servers: 1, clients: 2 } as const;

/** A filter ready to run against stored records. */
export interface CompiledFilter {
  matches(record: ApplicationRecord): boolean;
  /** The one ApplicationUri a match can have, when the pattern holds no wildcard. */
  exactApplicationUri?: string;
}

/** Checks and compiles a filter; a malformed pattern or an unknown mask bit is InvalidArgument. */
export function compileApplicationFilter(filter: ApplicationFilter): CompiledFilter {
  const mask = filter.applicationTypeMask ?? applicationTypeMasks.all;
  if (!Number.isInteger(mask) || mask < 0 || mask > 3) {
    throw new GdsError("InvalidArgument", "ApplicationType must be a mask of 1 and 2");
  }
  const name = pattern(filter.applicationName);
  const uri = pattern(filter.applicationUri);
  const product = pattern(filter.productUri);
  const wanted = (filter.serverCapabilities ?? [])
    .filter((capability) => capability.length > 0)
    .map((capability) => capability.toUpperCase());
  const servers = mask === 0 || (mask & applicationTypeMasks.servers) !== 0;
  const clients = mask === 0 || (mask & applicationTypeMasks.clients) !== 0;

  const matches = (record: ApplicationRecord): boolean => {
    const capabilities = record.serverCapabilities;
    // Part 12 (1.05): records marked NA are never listed, and a pure Client is listed only
    // when it accepts reverse connections (RCP), since only then can anyone reach it.
    if (hasCapability(capabilities, "NA")) return false;
    const isClient = record.applicationType === 1 || record.applicationType === 2;
    const isServer = record.applicationType !== 1;
    if (!isServer && !hasCapability(capabilities, "RCP")) return false;
    if (!((servers && isServer) || (clients && isClient))) return false;

    if (uri && !uri.test(record.applicationUri)) return false;
    if (product && !product.test(record.productUri)) return false;
    if (name && !name.test(record.applicationNames[0]?.text ?? "")) return false;
    return wanted.every((capability) => hasCapability(capabilities, capability));
  };
  return { matches, exactApplicationUri: uri?.literal };
}

/**
 * Registration accepts capability ids in upper case only (application-record-check), so an
 * upper-cased filter compares without regard to case against what is stored.
 */
function hasCapability(capabilities: string[], wanted: string): boolean {
  return capabilities.includes(wanted);
}

function pattern(value: string | undefined): LikePattern | undefined {
  return value ? LikePattern.parse(value) : undefined;
}
