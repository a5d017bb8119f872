import { GdsError } from "../core/errors.js";
import { tags } from "./der-writer.js";

/** One TLV inside the buffer being read; offsets index that buffer. */
export interface DerElement {
  readonly tag: number;
  /** Offset of the tag octet. */
  readonly start: number;
  readonly contentStart: number;
  /** Offset just past the content. */
  readonly end: number;
}

function malformed(reason: string): GdsError {
  return new GdsError("InvalidArgument", `malformed DER: ${reason}`);
}

/**
 * A strict DER walker over untrusted input: definite, minimal lengths only, nothing may run
 * past its parent. It hands out offsets rather than decoded objects so that callers can keep
 * exact bytes (the subject Name of a CSR is copied into the certificate unchanged).
 */
export class DerReader {
  private position: number;

  constructor(
    readonly der: Buffer,
    start = 0,
    private readonly limit = der.length,
  ) {
    this.position = start;
  }

  static of(der: Uint8Array): DerReader {
    const buffer = Buffer.isBuffer(der) ? der : Buffer.from(der.buffer, der.byteOffset, der.length);
    return new DerReader(buffer);
  }

  get done(): boolean {
    return this.position >= this.limit;
  }

  peekTag(): number | undefined {
    return this.done ? undefined : this.der[this.position];
  }

  read(expectedTag?: number): DerElement {
    if (this.done) throw malformed("element missing");
    const start = this.position;
    const tag = this.der[start]!;
    if ((tag & 0x1f) === 0x1f) throw malformed("multi-octet tags are not used here");
    if (expectedTag !== undefined && tag !== expectedTag) throw malformed("unexpected element");

    const { length, contentStart } = this.readLength(start + 1);
    const end = contentStart + length;
    if (end > this.limit) throw malformed("truncated");

    this.position = end;
    return { tag, start, contentStart, end };
  }

  /** Reads an element whose tag is optional, e.g. `[0] EXPLICIT Version DEFAULT v1`. */
  readOptional(tag: number): DerElement | undefined {
    return this.peekTag() === tag ? this.read(tag) : undefined;
  }

  /** A reader over the content of a constructed element. */
  children(element: DerElement): DerReader {
    if ((element.tag & 0x20) === 0) throw malformed("primitive element where constructed expected");
    return new DerReader(this.der, element.contentStart, element.end);
  }

  content(element: DerElement): Buffer {
    return this.der.subarray(element.contentStart, element.end);
  }

  /** The whole TLV, tag and length included. */
  encoded(element: DerElement): Buffer {
    return this.der.subarray(element.start, element.end);
  }

  expectDone(): void {
    if (!this.done) throw malformed("unexpected trailing data");
  }

  readObjectIdentifier(): string {
    return decodeObjectIdentifier(this.content(this.read(tags.objectIdentifier)));
  }

  /** BIT STRING content without the unused-bits octet; only whole octets are accepted. */
  readBitStringOctets(): Buffer {
    const content = this.content(this.read(tags.bitString));
    if (content.length === 0 || content[0] !== 0) throw malformed("bit string with unused bits");
    return content.subarray(1);
  }

  readTime(): Date {
    const element = this.read();
    if (element.tag !== tags.utcTime && element.tag !== tags.generalizedTime) {
      throw malformed("time expected");
    }
    return decodeTime(element.tag, this.content(element).toString("latin1"));
  }

  private readLength(at: number): { length: number; contentStart: number } {
    if (at >= this.limit) throw malformed("truncated");
    const first = this.der[at]!;
    if (first < 0x80) return { length: first, contentStart: at + 1 };
    if (first === 0x80) throw malformed("indefinite length");

    const count = first & 0x7f;
    if (count > 4) throw malformed("length too large");
    if (at + 1 + count > this.limit) throw malformed("truncated");
    let length = 0;
    for (let index = 0; index < count; index += 1)
      length = length * 256 + this.der[at + 1 + index]!;
    // DER: the long form only when needed, and without leading zero octets.
    if (length < 0x80 || this.der[at + 1] === 0) throw malformed("non-minimal length");
    return { length, contentStart: at + 1 + count };
  }
}

export function decodeObjectIdentifier(content: Buffer): string {
  if (content.length === 0 || (content[content.length - 1]! & 0x80) !== 0) {
    throw malformed("object identifier");
  }

  const arcs: bigint[] = [];
  let arc = 0n;
  for (let index = 0; index < content.length; index += 1) {
    const octet = content[index]!;
    if (arc === 0n && octet === 0x80) throw malformed("object identifier padding");
    arc = (arc << 7n) | BigInt(octet & 0x7f);
    if ((octet & 0x80) === 0) {
      arcs.push(arc);
      arc = 0n;
    }
  }

  const first = arcs.shift()!;
  const top = first < 40n ? 0n : first < 80n ? 1n : 2n;
  return [top, first - top * 40n, ...arcs].join(".");
}

const utcTimePattern = /^(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})Z$/;
const generalizedTimePattern = /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})Z$/;

function decodeTime(tag: number, text: string): Date {
  const match = (tag === tags.utcTime ? utcTimePattern : generalizedTimePattern).exec(text);
  if (!match) throw malformed("time format");

  const [year, month, day, hours, minutes, seconds] = match.slice(1).map(Number) as number[];
  // RFC 5280 4.1.2.5.1: two-digit years below 50 are in the 2000s.
  const fullYear = tag === tags.utcTime ? (year! < 50 ? 2000 + year! : 1900 + year!) : year!;
  return new Date(Date.UTC(fullYear, month! - 1, day, hours, minutes, seconds));
}
