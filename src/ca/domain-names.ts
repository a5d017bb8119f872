import { isIPv4, isIPv6 } from "node:net";
import { GdsError } from "../core/errors.js";
import { encodeIpAddress } from "./ip-address.js";

/** The DomainNames of a request, sorted into the two SAN kinds they become. */
export interface DomainNames {
  readonly dnsNames: string[];
  /** IPv4 or IPv6 addresses in the text form the client sent. */
  readonly ipAddresses: string[];
}

/** Enough for every interface and alias of one machine, small enough to bound the SAN. */
const maxDomainNames = 32;

// RFC 1123 2.1 label: letters, digits, hyphens; neither starts nor ends with a hyphen.
const label = /^[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?$/;

function notAHostName(): GdsError {
  return new GdsError("InvalidArgument", "a DomainName is neither a host name nor an IP address");
}

/**
 * Sorts the DomainNames of StartNewKeyPairRequest into DNS names and IP addresses, refusing
 * anything that is neither. Duplicates (DNS names compared without case, addresses by value)
 * are dropped, the first spelling kept.
 *
 * Deliberately refused, although some tools accept them:
 * - wildcards ("*.plant.example"): an application instance certificate names the hosts one
 *   application runs on; a wildcard would let it speak for every host of a domain;
 * - "_" (NetBIOS names): not a host name character (RFC 1123, RFC 952);
 * - a trailing dot ("host.example."): certificates carry names without it (RFC 5280 4.2.1.6);
 * - a last label of digits only ("10.0.0.256", "1.2.3"): a mistyped address, not a host name
 *   (RFC 3696 2); and IPv6 zone ids ("fe80::1%eth0"), which mean nothing off the machine.
 */
export function checkDomainNames(names: readonly string[]): DomainNames {
  if (names.length > maxDomainNames) {
    throw new GdsError("InvalidArgument", `more than ${maxDomainNames} DomainNames`);
  }

  const dnsNames: string[] = [];
  const ipAddresses: string[] = [];
  const seen = new Set<string>();
  for (const name of names) {
    if (typeof name !== "string") throw notAHostName();

    let key: string;
    if (isIPv4(name) || (isIPv6(name) && !name.includes("%"))) {
      key = `ip:${encodeIpAddress(name).toString("hex")}`;
      if (!seen.has(key)) ipAddresses.push(name);
    } else if (isHostName(name)) {
      key = `dns:${name.toLowerCase()}`;
      if (!seen.has(key)) dnsNames.push(name);
    } else {
      throw notAHostName();
    }
    seen.add(key);
  }
  return { dnsNames, ipAddresses };
}

function isHostName(name: string): boolean {
  if (name.length === 0 || name.length > 253) return false;
  const labels = name.split(".");
  if (!labels.every((part) => label.test(part))) return false;
  return !/^[0-9]+$/.test(labels[labels.length - 1]!);
}
