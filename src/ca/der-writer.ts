import { GdsError } from "../core/errors.js";

/**
 * DER encoding of the few ASN.1 types that certificates and CRLs use (X.690). Hand-built
 * because the issuing path must stay far below the cost of one HSM signature: every function
 * returns finished bytes, and callers cache constant parts once at module load.
 */

/** ASN.1 universal tags and the context-specific tags used by X.509. */
export const tags = {
  boolean: 0x01,
  integer: 0x02,
  bitString: 0x03,
  octetString: 0x04,
  null: 0x05,
  objectIdentifier: 0x06,
  enumerated: 0x0a,
  utf8String: 0x0c,
  printableString: 0x13,
  t61String: 0x14,
  ia5String: 0x16,
  utcTime: 0x17,
  generalizedTime: 0x18,
  bmpString: 0x1e,
  sequence: 0x30,
  set: 0x31,
} as const;

/** Tag of a context-specific field: [number], constructed when it wraps other elements. */
export function contextTag(number: number, constructed: boolean): number {
  return 0x80 | (constructed ? 0x20 : 0) | number;
}

export function encodeLength(length: number): Buffer {
  if (length < 0x80) return Buffer.from([length]);

  // Long form, minimal number of octets (DER).
  const octets: number[] = [];
  for (let rest = length; rest > 0; rest = Math.floor(rest / 256)) octets.unshift(rest & 0xff);
  return Buffer.from([0x80 | octets.length, ...octets]);
}

export function tlv(tag: number, ...contents: Uint8Array[]): Buffer {
  return tlvOf(tag, contents);
}

/** As tlv(), for long lists (a CRL's entries) that must not be spread into arguments. */
export function tlvOf(tag: number, contents: readonly Uint8Array[]): Buffer {
  let length = 0;
  for (const part of contents) length += part.length;
  const header = Buffer.concat([Buffer.from([tag]), encodeLength(length)]);
  return Buffer.concat(([header] as Uint8Array[]).concat(contents), header.length + length);
}

export function sequence(...elements: Uint8Array[]): Buffer {
  return tlvOf(tags.sequence, elements);
}

export function sequenceOf(elements: readonly Uint8Array[]): Buffer {
  return tlvOf(tags.sequence, elements);
}

/** SET OF: DER orders the elements by their encodings (X.690 11.6). */
export function setOf(...elements: Buffer[]): Buffer {
  return tlv(tags.set, ...[...elements].sort(Buffer.compare));
}

export function booleanTrue(): Buffer {
  return Buffer.from([tags.boolean, 1, 0xff]);
}

export function nullValue(): Buffer {
  return Buffer.from([tags.null, 0]);
}

export function octetString(content: Uint8Array): Buffer {
  return tlv(tags.octetString, content);
}

/** BIT STRING whose content is whole octets (keys, signatures). */
export function bitString(content: Uint8Array): Buffer {
  return tlv(tags.bitString, Buffer.from([0]), content);
}

/** INTEGER from unsigned big-endian magnitude bytes; adds the sign octet DER needs. */
export function unsignedInteger(magnitude: Uint8Array): Buffer {
  let start = 0;
  while (start < magnitude.length - 1 && magnitude[start] === 0) start += 1;
  const trimmed = Buffer.from(magnitude.subarray(start));
  if (trimmed.length === 0) return Buffer.from([tags.integer, 1, 0]);
  const needsSign = (trimmed[0]! & 0x80) !== 0;
  return tlv(tags.integer, needsSign ? Buffer.from([0]) : Buffer.alloc(0), trimmed);
}

export function smallInteger(value: number): Buffer {
  return bigInteger(BigInt(value));
}

export function bigInteger(value: bigint): Buffer {
  if (value < 0n) throw new GdsError("InvalidArgument", "negative integers are not used here");
  const hex = value.toString(16);
  return unsignedInteger(Buffer.from(hex.length % 2 === 0 ? hex : `0${hex}`, "hex"));
}

export function enumerated(value: number): Buffer {
  return Buffer.from([tags.enumerated, 1, value]);
}

export function objectIdentifier(dotted: string): Buffer {
  const arcs = dotted.split(".").map((arc) => BigInt(arc));
  if (arcs.length < 2 || arcs[0]! > 2n) {
    throw new GdsError("InvalidArgument", "malformed object identifier");
  }

  const octets: number[] = [];
  const first = arcs[0]! * 40n + arcs[1]!;
  for (const arc of [first, ...arcs.slice(2)]) {
    // Base 128, most significant group first, high bit set on all but the last group.
    const groups: number[] = [Number(arc & 0x7fn)];
    for (let rest = arc >> 7n; rest > 0n; rest >>= 7n) groups.unshift(Number(rest & 0x7fn) | 0x80);
    octets.push(...groups);
  }
  return tlv(tags.objectIdentifier, Buffer.from(octets));
}

/**
 * X.509 Time (RFC 5280 4.1.2.5): UTCTime for 1950 to 2049, GeneralizedTime otherwise. Several
 * OPC UA stacks misread GeneralizedTime, so it is used only where UTCTime cannot express the
 * year. Milliseconds are dropped: DER times for certificates carry whole seconds.
 */
export function time(date: Date): Buffer {
  if (Number.isNaN(date.getTime())) throw new GdsError("InvalidArgument", "invalid date");
  const year = date.getUTCFullYear();
  const rest = [
    date.getUTCMonth() + 1,
    date.getUTCDate(),
    date.getUTCHours(),
    date.getUTCMinutes(),
    date.getUTCSeconds(),
  ]
    .map((part) => (part < 10 ? `0${part}` : `${part}`))
    .join("");

  if (year >= 1950 && year < 2050) {
    const shortYear = year % 100;
    const text = `${shortYear < 10 ? "0" : ""}${shortYear}${rest}Z`;
    return tlv(tags.utcTime, Buffer.from(text, "latin1"));
  }
  if (year < 0 || year > 9999) throw new GdsError("InvalidArgument", "date out of range");
  return tlv(tags.generalizedTime, Buffer.from(`${String(year).padStart(4, "0")}${rest}Z`));
}
