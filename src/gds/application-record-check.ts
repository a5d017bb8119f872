import { GdsError } from "../core/errors.js";
import type { ApplicationRecord, ApplicationType } from "../core/records.js";

/** The fields a caller supplies when registering or updating an application. */
export type ApplicationRecordInput = Pick<
  ApplicationRecord,
  "applicationUri" | "applicationType" | "applicationNames" | "productUri" | "discoveryUrls"
  | "serverCapabilities"
>;

const uriScheme = /^[A-Za-z][A-Za-z0-9+.-]*:\S+$/;
const discoverySchemes = new Set(["opc.tcp:", "opc.https:", "https:", "opc.wss:", "wss:"]);
const maxLength = 4096;
const maxListLength = 64;

export function isAbsoluteUri(value: string): boolean {
  if (value.length > maxLength || !uriScheme.test(value)) return false;
  // RFC 3986 characters only: a URI with spaces, controls or raw non-ASCII text could be
  // registered but never put in a certificate's SAN (an IA5String).
  if (!/^[\x21-\x7e]+$/.test(value)) return false;
  try {
    new URL(value);
    return true;
  } catch {
    return false;
  }
}

/**
 * Checks a record as Part 12 requires: absolute ApplicationUri and ProductUri, a known
 * ApplicationType, a non-empty name, and well-formed DiscoveryUrls (servers need one).
 */
export function checkApplicationRecord(input: ApplicationRecordInput): void {
  const lists = [input.applicationNames, input.discoveryUrls, input.serverCapabilities];
  if (lists.some((list) => list.length > maxListLength)) {
    invalid("a list of the record is too long");
  }
  if (!isAbsoluteUri(input.applicationUri)) invalid("ApplicationUri must be an absolute URI");
  if (!isAbsoluteUri(input.productUri)) invalid("ProductUri must be an absolute URI");
  if (![0, 1, 2, 3].includes(input.applicationType)) invalid("ApplicationType must be 0 to 3");

  const names = input.applicationNames.filter((name) => name.text.trim().length > 0);
  if (names.length === 0) invalid("ApplicationNames must hold a non-empty name");
  if (input.applicationNames.some((name) => name.text.length > maxLength)) {
    invalid("an ApplicationName is too long");
  }

  for (const url of input.discoveryUrls) {
    if (!isDiscoveryUrl(url)) invalid("a DiscoveryUrl is not a well-formed URL");
  }
  if (isServer(input.applicationType) && input.discoveryUrls.length === 0) {
    invalid("a server must have at least one DiscoveryUrl");
  }

  for (const capability of input.serverCapabilities) {
    if (!/^[A-Z]{2,4}$/.test(capability)) invalid("a ServerCapability is not a capability id");
  }
}

export function isServer(applicationType: ApplicationType): boolean {
  return applicationType !== 1;
}

/** Host names of the DiscoveryUrls, used for the SAN when a request names no hosts itself. */
export function discoveryHosts(discoveryUrls: string[]): string[] {
  const hosts = new Set<string>();
  for (const url of discoveryUrls) {
    const host = hostOf(url);
    if (host) hosts.add(host);
  }
  return [...hosts];
}

function hostOf(url: string): string | undefined {
  try {
    const host = new URL(url).hostname;
    return host.startsWith("[") ? host.slice(1, -1) : host || undefined;
  } catch {
    return undefined;
  }
}

function isDiscoveryUrl(url: string): boolean {
  if (url.length > maxLength) return false;
  try {
    const parsed = new URL(url);
    return discoverySchemes.has(parsed.protocol) && parsed.hostname.length > 0;
  } catch {
    return false;
  }
}

function invalid(message: string): never {
  throw new GdsError("InvalidArgument", message);
}
