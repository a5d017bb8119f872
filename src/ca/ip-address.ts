import { isIPv4, isIPv6 } from "node:net";
import { GdsError } from "../core/errors.js";

/**
 * iPAddress GeneralName content (RFC 5280 4.2.1.6): 4 octets for IPv4, 16 for IPv6, network
 * byte order. Zone ids ("fe80::1%eth0") have no place in a certificate and are refused.
 */
export function encodeIpAddress(text: string): Buffer {
  if (isIPv4(text)) return Buffer.from(text.split(".").map(Number));
  if (!isIPv6(text) || text.includes("%")) {
    throw new GdsError("InvalidArgument", "not an IP address");
  }

  // A trailing dotted quad ("::ffff:192.0.2.1") stands for the last two groups.
  let groupsText = text;
  const lastColon = text.lastIndexOf(":");
  const tail = text.slice(lastColon + 1);
  if (tail.includes(".")) {
    const [a, b, c, d] = tail.split(".").map(Number) as [number, number, number, number];
    const hex = (high: number, low: number) => ((high << 8) | low).toString(16);
    groupsText = `${text.slice(0, lastColon + 1)}${hex(a, b)}:${hex(c, d)}`;
  }

  const [head, rest] = groupsText.split("::") as [string, string | undefined];
  const headGroups = head ? head.split(":") : [];
  const restGroups = rest ? rest.split(":") : [];
  const zeros = 8 - headGroups.length - restGroups.length;
  const groups = [...headGroups, ...Array<string>(rest === undefined ? 0 : zeros).fill("0")];
  groups.push(...restGroups);

  const octets = Buffer.alloc(16);
  groups.forEach((group, index) => octets.writeUInt16BE(parseInt(group, 16), index * 2));
  return octets;
}

/** Text form of iPAddress content; IPv6 in the RFC 5952 canonical form. */
export function formatIpAddress(octets: Uint8Array): string {
  if (octets.length === 4) return Array.from(octets).join(".");
  if (octets.length !== 16) throw new GdsError("InvalidArgument", "IP address of wrong length");

  const groups: number[] = [];
  for (let index = 0; index < 16; index += 2)
    groups.push((octets[index]! << 8) | octets[index + 1]!);

  // The longest run of two or more zero groups (the first on a tie) becomes "::".
  let bestStart = -1;
  let bestLength = 1;
  for (let start = 0; start < 8; start += 1) {
    let length = 0;
    while (start + length < 8 && groups[start + length] === 0) length += 1;
    if (length > bestLength) [bestStart, bestLength] = [start, length];
  }

  const hex = (part: number[]) => part.map((group) => group.toString(16)).join(":");
  if (bestStart < 0) return hex(groups);
  const head = hex(groups.slice(0, bestStart));
  const tail = hex(groups.slice(bestStart + bestLength));
  return `${head}::${tail}`;
}
