import { afterAll, describe, expect, it } from "vitest";
import { encodeDistinguishedName } from "../../src/ca/distinguished-name.js";
import { gdsErrorOf } from "./gds-error.js";
import { opensslOk, ScratchDirectory } from "./openssl.js";

describe("encodeDistinguishedName", () => {
  const scratch = new ScratchDirectory();
  afterAll(() => scratch.remove());

  /** How openssl reads the encoded name, in RFC 2253 form (most specific first). */
  function asOpenSslSees(text: string): string {
    const file = scratch.write("name.der", encodeDistinguishedName(text));
    return opensslOk(["asn1parse", "-inform", "DER", "-in", file, "-i"]);
  }

  it("stores the RDNs in reverse of the RFC 4514 string, the last one first", () => {
    const dump = asOpenSslSees("CN=Security Handler CA, O=Security Handler");
    expect(dump.indexOf("organizationName")).toBeLessThan(dump.indexOf("commonName"));
    expect(dump).toContain("UTF8STRING        :Security Handler CA");
  });

  it("uses PrintableString for countryName and IA5String for domainComponent", () => {
    const dump = asOpenSslSees("CN=App, DC=example, C=DE");
    expect(dump).toContain("PRINTABLESTRING   :DE");
    expect(dump).toContain("IA5STRING         :example");
  });

  it("reads escapes, multi-valued RDNs, dotted OIDs and UTF-8", () => {
    const dump = asOpenSslSees("CN=Müller\\, Anna+OU=Unit, 2.5.4.10=Org\\2B Co");
    expect(dump).toContain(":Org+ Co");
    // Three attributes in two RDNs: CN and OU share one SET.
    expect(dump.match(/cons:\s+SET/g)).toHaveLength(2);
    const der = encodeDistinguishedName("CN=Müller\\, Anna");
    expect(der.includes(Buffer.from("Müller, Anna", "utf8"))).toBe(true);
  });

  it("refuses empty names, unknown types, bad country codes and dangling escapes", () => {
    for (const bad of ["", "XX=a", "CN=", "C=Ä", "CN=a\\", "novalue"]) {
      expect(gdsErrorOf(() => encodeDistinguishedName(bad)).code).toBe("InvalidArgument");
    }
  });
});
