import { afterAll, describe, expect, it } from "vitest";
import { parseCertificationRequest } from "../../src/ca/certification-request.js";
import { parseSubjectName } from "../../src/ca/subject-name.js";
import { gdsErrorOf } from "./gds-error.js";
import { opensslOk, opensslRequest, ScratchDirectory } from "./openssl.js";

describe("parseSubjectName", () => {
  const scratch = new ScratchDirectory();
  afterAll(() => scratch.remove());

  /** The Name as openssl prints it, in RFC 2253 form (most specific first). */
  function asOpenSslSees(text: string): string {
    const file = scratch.write("name.der", parseSubjectName(text));
    const dump = opensslOk(["asn1parse", "-inform", "DER", "-in", file]);
    return [...dump.matchAll(/:(\w+)\s*\n.*?STRING\s*:(.*)$/gm)]
      .map(([, type, value]) => `${type}=${value}`)
      .join("|");
  }

  function problemOf(text: string): string {
    const error = gdsErrorOf(() => parseSubjectName(text));
    expect(error.code).toBe("InvalidArgument");
    return error.message;
  }

  it("encodes the OpenSSL slash form byte for byte as openssl req -subj does", () => {
    const subject = "/CN=Line 1/O=Plant/OU=Packing/L=Town/ST=Bavaria/C=DE/DC=host";
    const extraArgs = ["-pkeyopt", "ec_paramgen_curve:P-256"];
    const request = opensslRequest(scratch, { newKey: "ec", subject, extraArgs });
    expect(parseSubjectName(subject).equals(parseCertificationRequest(request).subject)).toBe(true);
  });

  it("reads the Part 12 form: no leading slash, S for the state, quotes around / and =", () => {
    expect(asOpenSslSees('CN="Line 1/2"/O="A=B"/S=Bavaria/C=DE')).toBe(
      "commonName=Line 1/2|organizationName=A=B|stateOrProvinceName=Bavaria|countryName=DE",
    );
    // "+" is an ordinary character in this form.
    expect(asOpenSslSees("CN=C++ Server/O=Plant")).toBe(
      "commonName=C++ Server|organizationName=Plant",
    );
    expect(asOpenSslSees("/CN=a\\/b/O=Plant")).toBe("commonName=a/b|organizationName=Plant");
  });

  it("reads the RFC 4514 form, most specific RDN first, into the same DER", () => {
    const slash = parseSubjectName("CN=Line 1/O=Plant/DC=host");
    expect(parseSubjectName("DC=host, O=Plant, CN=Line 1").equals(slash)).toBe(true);
  });

  it("reads RFC 4514 escapes, multi-valued RDNs and the quoted values .NET writes", () => {
    expect(asOpenSslSees('CN=Müller\\, Anna+OU=Unit, O="Plant, Inc.", S=Bavaria')).toBe(
      "stateOrProvinceName=Bavaria|organizationName=Plant, Inc." +
        "|organizationalUnitName=Unit|commonName=Müller, Anna",
    );
    // A slash inside an RFC 4514 value that is not followed by a type is just a character.
    expect(asOpenSslSees("CN=Line 1/2, O=Plant")).toBe(
      "organizationName=Plant|commonName=Line 1/2",
    );
  });

  it("refuses an empty or absurdly long SubjectName", () => {
    expect(problemOf("")).toBe("SubjectName: empty");
    expect(problemOf("  ")).toBe("SubjectName: empty");
    expect(problemOf(`CN=${"x".repeat(1100)}`)).toBe("SubjectName: longer than 1024 characters");
    const many = Array.from({ length: 17 }, (_, index) => `OU=u${index}`).join("/");
    expect(problemOf(`CN=a/${many}`)).toBe("SubjectName: more than 16 attributes");
  });

  it("refuses attribute types other than CN, O, OU, DC, L, S, ST and C", () => {
    for (const text of ["CN=a, XX=b", "2.5.4.3=a", "CN=a/emailAddress=b@c", "SN=a"]) {
      expect(problemOf(text)).toBe(
        "SubjectName: attribute types are CN, O, OU, DC, L, S (or ST) and C",
      );
    }
  });

  it("refuses values beyond the RFC 5280 bounds, and names without exactly one CN", () => {
    expect(problemOf(`CN=${"x".repeat(65)}`)).toBe("SubjectName: CN must have 1 to 64 characters");
    expect(parseSubjectName(`CN=${"ü".repeat(64)}`).length).toBeGreaterThan(64);
    expect(problemOf("CN=a, C=DEU")).toBe("SubjectName: C must have 2 characters");
    expect(problemOf("O=Plant")).toBe("SubjectName: needs exactly one CN");
    expect(problemOf("CN=a/CN=b")).toBe("SubjectName: needs exactly one CN");
  });

  it("refuses what escapes could smuggle in: control characters, bad UTF-8, raw DER", () => {
    expect(problemOf("CN=a\\00b")).toBe("SubjectName: CN holds control characters");
    expect(problemOf("CN=a\u0007b/O=c")).toBe("SubjectName: CN holds control characters");
    expect(problemOf("CN=a\\FF")).toBe("SubjectName: CN is not UTF-8");
    expect(problemOf("CN=#0C0161")).toBe("SubjectName: hex-encoded values are not accepted");
  });

  it("refuses malformed syntax in either form", () => {
    expect(problemOf("CN=")).toBe("SubjectName: empty value");
    expect(problemOf('CN=""/O=a')).toBe("SubjectName: empty value");
    expect(problemOf("CN=a/O=")).toBe("SubjectName: empty value");
    expect(problemOf("novalue")).toBe('SubjectName: attribute without "="');
    expect(problemOf('CN="Line 1')).toBe("SubjectName: unclosed quote");
    expect(problemOf('CN="a"b, O=c')).toBe("SubjectName: text after a quote");
    expect(problemOf('CN=a"b, O=c')).toBe("SubjectName: a quote inside a value");
    expect(problemOf("CN=a=b/O=c")).toBe(
      'SubjectName: a value holding "/" or "=" must be in double quotes',
    );
    expect(gdsErrorOf(() => parseSubjectName("CN=a\\")).code).toBe("InvalidArgument");
  });
});
