import { isUtf8 } from "node:buffer";
import { Name } from "@peculiar/x509";
import { DerReader } from "./der-reader.js";
import { tags } from "./der-writer.js";

/** Short names of attribute types, exactly those @peculiar/x509 prints. */
const shortNames: Record<string, string> = {
  "2.5.4.3": "CN",
  "2.5.4.7": "L",
  "2.5.4.8": "ST",
  "2.5.4.10": "O",
  "2.5.4.11": "OU",
  "2.5.4.6": "C",
  "0.9.2342.19200300.100.1.25": "DC",
  "1.2.840.113549.1.9.1": "E",
  "2.5.4.42": "G",
  "2.5.4.43": "I",
  "2.5.4.4": "SN",
  "2.5.4.12": "T",
};

const byteOrderMark = Buffer.from([0xef, 0xbb, 0xbf]);

/**
 * The text of a DER Name kept with every certificate record: RDNs in DER order joined by
 * ", ", the attributes of one RDN by "+", each "TYPE=value" with RFC 4514 escapes. It is the
 * text @peculiar/x509's Name.toString() gives, which stays the reference: names whose values
 * are UTF8String, PrintableString or IA5String (what CSRs carry) are read here directly, at a
 * tenth of the cost of building its ASN.1 objects on every issuance; any other name, an odd
 * value type or a value with control characters, goes to @peculiar/x509 itself.
 */
export function distinguishedNameText(der: Buffer): string {
  return plainText(der) ?? new Name(new Uint8Array(der)).toString();
}

function plainText(der: Buffer): string | undefined {
  try {
    const outer = DerReader.of(der);
    const name = outer.read(tags.sequence);
    outer.expectDone();
    const rdns = outer.children(name);
    const parts: string[] = [];
    while (!rdns.done) {
      const attributes = rdns.children(rdns.read(tags.set));
      const values: string[] = [];
      while (!attributes.done) {
        const fields = attributes.children(attributes.read(tags.sequence));
        const type = fields.readObjectIdentifier();
        const value = fields.read();
        fields.expectDone();
        const text = valueText(value.tag, fields.content(value));
        if (text === undefined) return undefined;
        values.push(`${shortNames[type] ?? type}=${escaped(text)}`);
      }
      if (values.length === 0) return undefined;
      parts.push(values.join("+"));
    }
    return parts.join(", ");
  } catch {
    return undefined; // not plain DER: the library decides what it says
  }
}

function valueText(tag: number, content: Buffer): string | undefined {
  if (content.length === 0) return undefined;
  let text: string;
  if (tag === tags.utf8String) {
    // The library's decoder drops a leading byte order mark and handles bad UTF-8 its own way.
    if (!isUtf8(content) || content.subarray(0, 3).equals(byteOrderMark)) return undefined;
    text = content.toString("utf8");
  } else if (tag === tags.printableString || tag === tags.ia5String) {
    text = content.toString("latin1");
  } else {
    return undefined;
  }
  return /[\r\n\t]/.test(text) ? undefined : text;
}

function escaped(value: string): string {
  return value
    .replace(/([,+"\\<>;])/g, "\\$1")
    .replace(/^([ #])/, "\\$1")
    .replace(/([ ]$)/, "\\$1");
}
