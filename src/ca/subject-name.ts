import { GdsError } from "../core/errors.js";
import { DerReader } from "./der-reader.js";
import { tags } from "./der-writer.js";
import { encodeDistinguishedName } from "./distinguished-name.js";

/**
 * The attribute types a client may put in a SubjectName. Part 12 (StartNewKeyPairRequest)
 * names CN, O, OU, DC, L, S and C; "S" is what Windows and .NET write for stateOrProvinceName,
 * "ST" what RFC 4514 and OpenSSL write. `max` is the RFC 5280 upper bound in characters (DC has
 * none there; a DNS label holds at most 63).
 */
const attributeTypes: Record<string, { name: string; oid: string; min: number; max: number }> = {
  CN: { name: "CN", oid: "2.5.4.3", min: 1, max: 64 },
  O: { name: "O", oid: "2.5.4.10", min: 1, max: 64 },
  OU: { name: "OU", oid: "2.5.4.11", min: 1, max: 64 },
  DC: { name: "DC", oid: "0.9.2342.19200300.100.1.25", min: 1, max: 63 },
  L: { name: "L", oid: "2.5.4.7", min: 1, max: 128 },
  S: { name: "ST", oid: "2.5.4.8", min: 1, max: 128 },
  ST: { name: "ST", oid: "2.5.4.8", min: 1, max: 128 },
  C: { name: "C", oid: "2.5.4.6", min: 2, max: 2 },
};
const attributesByOid = new Map(Object.values(attributeTypes).map((type) => [type.oid, type]));

const maxLength = 1024;
const maxAttributes = 16;
// A "/" followed by something like an attribute type (known or not) and "=" marks the
// Part 12 / OpenSSL form, so that "CN=a/emailAddress=b" is refused rather than taken as one CN.
const slashSeparator = /\/\s*([A-Za-z][A-Za-z0-9-]*|[0-9.]+)\s*=/;
const controlCharacter = /[\u0000-\u001f\u007f-\u009f]/u;

function invalid(problem: string): GdsError {
  return new GdsError("InvalidArgument", `SubjectName: ${problem}`);
}

/**
 * The DER Name for a SubjectName as clients send it, in either of two forms:
 * - Part 12 / OpenSSL: "CN=Line 1/O=Plant/DC=host", a leading "/" optional, RDNs in DER order.
 *   A value holding "/" or "=" is written in double quotes (Part 12); "\/" also works (OpenSSL).
 *   "+" is an ordinary character here ("CN=C++ Server"), not a multi-valued RDN.
 * - RFC 4514: "CN=Line 1, O=Plant, DC=host", most specific RDN first, "\" escapes, "+" for a
 *   multi-valued RDN, double-quoted values as .NET writes them.
 * The name needs exactly one CN (Part 6 6.2.2). "#hex" values are refused: they would copy
 * client-chosen DER into the certificate.
 */
export function parseSubjectName(text: string): Buffer {
  if (text.length > maxLength) throw invalid(`longer than ${maxLength} characters`);
  if (text.trim() === "") throw invalid("empty");

  const slashForm = text.trimStart().startsWith("/") || slashSeparator.test(text);
  const rdns = new SubjectNameScanner(text, slashForm).rdns();
  if (rdns.flat().length > maxAttributes) throw invalid(`more than ${maxAttributes} attributes`);

  // encodeDistinguishedName reads RFC 4514, most specific first; Part 12 lists DER order.
  const rfc4514 = (slashForm ? rdns.reverse() : rdns).map((rdn) => rdn.join("+")).join(",");
  const der = encodeDistinguishedName(rfc4514);
  checkValues(der);
  return der;
}

/** Reads attributes one by one; each comes out as "TYPE=value" in RFC 4514 escaped form. */
class SubjectNameScanner {
  private position = 0;

  constructor(
    private readonly text: string,
    private readonly slashForm: boolean,
  ) {
    // The leading "/" of the OpenSSL form separates nothing.
    if (slashForm) this.position = /^\s*\//.exec(text)?.[0].length ?? 0;
  }

  rdns(): string[][] {
    const rdns: string[][] = [[]];
    for (;;) {
      rdns[rdns.length - 1]!.push(this.attribute());
      const separator = this.text[this.position];
      if (separator === undefined) return rdns;
      this.position += 1;
      if (separator !== "+") rdns.push([]);
    }
  }

  private attribute(): string {
    const equals = this.text.indexOf("=", this.position);
    if (equals < 0) throw invalid('attribute without "="');
    const typeName = this.text.slice(this.position, equals).trim().toUpperCase();
    const type = attributeTypes[typeName];
    if (!type) throw invalid("attribute types are CN, O, OU, DC, L, S (or ST) and C");
    this.position = equals + 1;
    return `${type.name}=${this.value()}`;
  }

  /** The value up to the next separator, as RFC 4514 text. */
  private value(): string {
    const separators = this.slashForm ? "/" : ",+";
    const { text } = this;
    while (text[this.position] === " ") this.position += 1;

    if (text[this.position] === '"') {
      const close = text.indexOf('"', this.position + 1);
      if (close < 0) throw invalid("unclosed quote");
      const literal = text.slice(this.position + 1, close);
      this.position = close + 1;
      while (text[this.position] === " ") this.position += 1;
      const next = text[this.position];
      if (next !== undefined && !separators.includes(next)) throw invalid("text after a quote");
      if (literal === "") throw invalid("empty value");
      return escapeValue(literal);
    }

    let literal = "";
    for (; this.position < text.length; this.position += 1) {
      const char = text[this.position]!;
      if (separators.includes(char)) break;
      if (char === '"') throw invalid("a quote inside a value");
      if (char === "\\" && this.slashForm && /^[/\\"=]$/.test(text[this.position + 1] ?? "")) {
        this.position += 1;
        literal += text[this.position];
      } else if (char === "\\" && !this.slashForm) {
        // RFC 4514 escapes stay as they are: encodeDistinguishedName decodes them.
        literal += char + (text[this.position + 1] ?? "");
        this.position += 1;
      } else if (char === "=" && this.slashForm) {
        throw invalid('a value holding "/" or "=" must be in double quotes');
      } else {
        literal += char;
      }
    }
    if (literal.trim() === "") throw invalid("empty value");
    if (this.slashForm) return escapeValue(literal.trim());
    if (literal.trim().startsWith("#")) throw invalid("hex-encoded values are not accepted");
    return literal;
  }
}

/** RFC 4514 text for a literal value: ASCII other than letters, digits and inner spaces as \XX. */
function escapeValue(literal: string): string {
  let escaped = "";
  const last = literal.length - 1;
  for (let index = 0; index <= last; index += 1) {
    const char = literal[index]!;
    const innerSpace = char === " " && index > 0 && index < last;
    if (/[A-Za-z0-9]/.test(char) || innerSpace || char.charCodeAt(0) > 0x7f) escaped += char;
    else escaped += `\\${char.charCodeAt(0).toString(16).padStart(2, "0")}`;
  }
  return escaped;
}

/**
 * Checks the decoded values: what escapes can smuggle in (control characters, bytes that are
 * not UTF-8) and what RFC 5280 bounds. Done on the DER, after every escape has been applied.
 */
function checkValues(name: Buffer): void {
  const decoder = new TextDecoder("utf-8", { fatal: true });
  let commonNames = 0;

  const outer = DerReader.of(name);
  const rdns = outer.children(outer.read(tags.sequence));
  while (!rdns.done) {
    const attributes = rdns.children(rdns.read(tags.set));
    while (!attributes.done) {
      const attribute = attributes.children(attributes.read(tags.sequence));
      const type = attributesByOid.get(attribute.readObjectIdentifier());
      if (!type) throw invalid("unknown attribute type");
      let value: string;
      try {
        value = decoder.decode(attribute.content(attribute.read()));
      } catch {
        throw invalid(`${type.name} is not UTF-8`);
      }

      const length = [...value].length;
      if (controlCharacter.test(value)) throw invalid(`${type.name} holds control characters`);
      if (length < type.min || length > type.max) {
        const bounds = type.min === type.max ? `${type.max}` : `${type.min} to ${type.max}`;
        throw invalid(`${type.name} must have ${bounds} characters`);
      }
      if (type.name === "CN") commonNames += 1;
    }
  }
  if (commonNames !== 1) throw invalid("needs exactly one CN");
}
