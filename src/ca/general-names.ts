import { GdsError } from "../core/errors.js";
import { DerReader } from "./der-reader.js";
import { contextTag, sequence, tags, tlv } from "./der-writer.js";
import { encodeIpAddress, formatIpAddress } from "./ip-address.js";

/** The GeneralName choices OPC UA application certificates use (RFC 5280 4.2.1.6). */
export interface GeneralNames {
  uris: string[];
  dnsNames: string[];
  ipAddresses: string[];
}

const dNSName = contextTag(2, false);
const uniformResourceIdentifier = contextTag(6, false);
const iPAddress = contextTag(7, false);

// Printable ASCII without space: what an IA5String URI or DNS name may hold here.
const ia5Text = /^[\x21-\x7e]+$/;
// Host names, including the "_" Windows allows and a leading "*." wildcard label.
const dnsNamePattern = /^(\*\.)?[A-Za-z0-9_]([A-Za-z0-9_-]*[A-Za-z0-9_])?(\.[A-Za-z0-9_-]+)*$/;

/** GeneralNames DER; entries in the order URIs, DNS names, IP addresses. */
export function encodeGeneralNames(names: GeneralNames): Buffer {
  const entries: Buffer[] = [];

  for (const uri of names.uris) {
    if (!ia5Text.test(uri)) {
      throw new GdsError("CertificateUriInvalid", "URI is not a plain ASCII string");
    }
    entries.push(tlv(uniformResourceIdentifier, Buffer.from(uri, "latin1")));
  }

  for (const dnsName of names.dnsNames) {
    if (dnsName.length > 253 || !dnsNamePattern.test(dnsName)) {
      throw new GdsError("InvalidArgument", "DNS name is not a host name");
    }
    entries.push(tlv(dNSName, Buffer.from(dnsName, "latin1")));
  }

  for (const ipAddress of names.ipAddresses)
    entries.push(tlv(iPAddress, encodeIpAddress(ipAddress)));

  return sequence(...entries);
}

/**
 * Reads GeneralNames DER (untrusted, from a CSR). Choices other than URI, DNS name and IP
 * address are skipped: they neither grant nor claim anything this CA copies.
 */
export function decodeGeneralNames(der: Buffer): GeneralNames {
  const names: GeneralNames = { uris: [], dnsNames: [], ipAddresses: [] };
  const outer = DerReader.of(der);
  const list = outer.read(tags.sequence);
  outer.expectDone();

  const entries = outer.children(list);
  while (!entries.done) {
    const entry = entries.read();
    const content = entries.content(entry);

    if (entry.tag === uniformResourceIdentifier || entry.tag === dNSName) {
      const text = content.toString("latin1");
      if (!ia5Text.test(text)) throw new GdsError("InvalidArgument", "SAN entry is not IA5 text");
      (entry.tag === dNSName ? names.dnsNames : names.uris).push(text);
    } else if (entry.tag === iPAddress) {
      names.ipAddresses.push(formatIpAddress(content));
    }
  }
  return names;
}
