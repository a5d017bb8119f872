import "reflect-metadata";
import { Name } from "@peculiar/x509";
import { describe, expect, it } from "vitest";
import { distinguishedNameText } from "../../src/ca/distinguished-name-text.js";
import { encodeDistinguishedName } from "../../src/ca/distinguished-name.js";
import { objectIdentifier, sequence, setOf, tlv } from "../../src/ca/der-writer.js";

/** What @peculiar/x509 says of the name: its text, or the message it fails with. */
function reference(der: Buffer): string {
  try {
    return new Name(new Uint8Array(der)).toString();
  } catch (error) {
    return `throws: ${(error as Error).message}`;
  }
}

function ours(der: Buffer): string {
  try {
    return distinguishedNameText(der);
  } catch (error) {
    return `throws: ${(error as Error).message}`;
  }
}

const written = [
  "CN=app",
  "CN=Security Handler CA, O=Security Handler",
  "CN=a\\,b, O=x\\+y",
  "CN=\\#hash",
  "CN=\\ leading",
  "CN=quote\\\"d, OU=semi\\;colon",
  "CN=less\\<more\\>, O=back\\\\slash",
  "CN=Grüße aus München, O=Fabrik ÄÖÜ",
  "CN=日本語の装置",
  "CN=x+OU=multi, O=y",
  "EMAILADDRESS=ops@plant.example, CN=x",
  "CN=x, DC=plant, DC=example",
  "SERIALNUMBER=1234, CN=x",
  "C=DE, ST=Bayern, L=München, O=O, OU=U, CN=c, TITLE=title, SN=surname, UID=u",
  "1.2.3.4=custom, CN=x",
  "CN=#0c0378797a",
  "CN=#020105",
];

const attribute = (oid: string, tag: number, value: Buffer) =>
  sequence(objectIdentifier(oid), tlv(tag, value));
const cn = "2.5.4.3";
const built: Record<string, Buffer> = {
  "BMPString": sequence(setOf(attribute(cn, 0x1e, Buffer.from("\u0000a\u0000b", "latin1")))),
  "TeletexString": sequence(setOf(attribute(cn, 0x14, Buffer.from("tele")))),
  "empty UTF8String": sequence(setOf(attribute(cn, 0x0c, Buffer.alloc(0)))),
  "UTF8String with a byte order mark": sequence(setOf(attribute(cn, 0x0c,
    Buffer.from([0xef, 0xbb, 0xbf, 0x61])))),
  "bad UTF-8": sequence(setOf(attribute(cn, 0x0c, Buffer.from([0x61, 0xc3, 0x28])))),
  "a tab and a newline": sequence(setOf(attribute(cn, 0x0c, Buffer.from("a\tb\nc")))),
  "IA5String above 0x7f": sequence(setOf(attribute(cn, 0x16, Buffer.from([0x61, 0xe9])))),
  "a trailing space": sequence(setOf(attribute(cn, 0x0c, Buffer.from("trailing ")))),
  "GN and initials": sequence(setOf(attribute("2.5.4.42", 0x0c, Buffer.from("Ada")),
    attribute("2.5.4.43", 0x13, Buffer.from("AL")))),
  "empty Name": sequence(),
  "trailing bytes": Buffer.concat([encodeDistinguishedName("CN=x"), Buffer.from([0])]),
};

describe("distinguished name text", () => {
  it.each(written)("reads %s as @peculiar/x509 does", (text) => {
    const der = encodeDistinguishedName(text);
    expect(ours(der)).toBe(reference(der));
  });

  it.each(Object.entries(built))("reads a name with %s as @peculiar/x509 does", (_, der) => {
    expect(ours(der)).toBe(reference(der));
  });

  it("keeps RDNs in DER order and escapes as RFC 4514 asks", () => {
    expect(distinguishedNameText(encodeDistinguishedName("CN=a\\,b, O=Plant")))
      .toBe("O=Plant, CN=a\\,b");
  });
});
