import { GdsError } from "../core/errors.js";
import { objectIdentifier, sequence, setOf, tags, tlv } from "./der-writer.js";

/** Attribute types by their RFC 4514 / common short names, with the string type DER uses. */
const attributeTypes: Record<string, { oid: string; stringTag: number }> = {
  CN: { oid: "2.5.4.3", stringTag: tags.utf8String },
  SN: { oid: "2.5.4.4", stringTag: tags.utf8String },
  // X.520 and RFC 5280 fix these two to PrintableString.
  SERIALNUMBER: { oid: "2.5.4.5", stringTag: tags.printableString },
  C: { oid: "2.5.4.6", stringTag: tags.printableString },
  L: { oid: "2.5.4.7", stringTag: tags.utf8String },
  ST: { oid: "2.5.4.8", stringTag: tags.utf8String },
  STREET: { oid: "2.5.4.9", stringTag: tags.utf8String },
  O: { oid: "2.5.4.10", stringTag: tags.utf8String },
  OU: { oid: "2.5.4.11", stringTag: tags.utf8String },
  TITLE: { oid: "2.5.4.12", stringTag: tags.utf8String },
  UID: { oid: "0.9.2342.19200300.100.1.1", stringTag: tags.utf8String },
  DC: { oid: "0.9.2342.19200300.100.1.25", stringTag: tags.ia5String },
  EMAILADDRESS: { oid: "1.2.840.113549.1.9.1", stringTag: tags.ia5String },
};

const printable = /^[A-Za-z0-9 '()+,\-./:=?]*$/;

function invalid(reason: string): GdsError {
  return new GdsError("InvalidArgument", `distinguished name: ${reason}`);
}

/**
 * Encodes a distinguished name written as an RFC 4514 string, e.g.
 * "CN=Security Handler CA, O=Security Handler". As RFC 4514 says, the string lists the most
 * specific RDN first, so the DER holds them in reverse (O before CN); `openssl x509 -subject
 * -nameopt RFC2253` prints such a name back as it was written. Multi-valued RDNs use "+",
 * values may use "\" escapes and "#hex" (a DER-encoded value, copied unchanged).
 */
export function encodeDistinguishedName(text: string): Buffer {
  if (text.trim() === "") throw invalid("empty");
  const rdns = splitUnescaped(text, ",").map((rdn) =>
    setOf(...splitUnescaped(rdn, "+").map(encodeAttribute)),
  );
  return sequence(...rdns.reverse());
}

function encodeAttribute(pair: string): Buffer {
  const equals = pair.indexOf("=");
  if (equals <= 0) throw invalid("attribute without type");
  const typeName = pair.slice(0, equals).trim();
  const valueText = pair.slice(equals + 1).trim();

  const known = attributeTypes[typeName.toUpperCase()];
  const dotted = /^\d+(\.\d+)+$/.test(typeName) ? typeName : undefined;
  if (!known && !dotted) throw invalid("unknown attribute type");
  const type = objectIdentifier(known?.oid ?? dotted!);

  if (valueText.startsWith("#")) {
    if (!/^#([0-9A-Fa-f]{2})+$/.test(valueText)) throw invalid("bad hex value");
    return sequence(type, Buffer.from(valueText.slice(1), "hex"));
  }

  const value = unescape(valueText);
  if (value.length === 0) throw invalid("empty value");
  const stringTag = known?.stringTag ?? tags.utf8String;
  if (stringTag === tags.printableString && !printable.test(value.toString("latin1"))) {
    throw invalid("value not allowed in a PrintableString");
  }
  if (stringTag === tags.ia5String && value.some((octet) => octet > 0x7f)) {
    throw invalid("value not allowed in an IA5String");
  }
  return sequence(type, tlv(stringTag, value));
}

/** Splits at separators not preceded by a backslash escape. */
function splitUnescaped(text: string, separator: string): string[] {
  const parts: string[] = [];
  let current = "";
  for (let index = 0; index < text.length; index += 1) {
    const char = text[index]!;
    if (char === "\\") {
      current += char + (text[index + 1] ?? "");
      index += 1;
    } else if (char === separator) {
      parts.push(current);
      current = "";
    } else {
      current += char;
    }
  }
  parts.push(current);
  return parts;
}

/** RFC 4514 2.4 escapes: a backslash before a special character, or before two hex digits. */
function unescape(value: string): Buffer {
  const tokens = /\\([0-9A-Fa-f]{2})|\\([^])|([^\\]+)|(\\)$/gu;
  const octets: Buffer[] = [];
  for (const [, hex, escaped, plain] of value.matchAll(tokens)) {
    if (hex !== undefined) octets.push(Buffer.from(hex, "hex"));
    else if (escaped !== undefined) octets.push(Buffer.from(escaped, "utf8"));
    else if (plain !== undefined) octets.push(Buffer.from(plain, "utf8"));
    else throw invalid("dangling escape");
  }
  return Buffer.concat(octets);
}
