import { randomBytes } from "node:crypto";
import { GdsError } from "../core/errors.js";
import { tlv, tags } from "./der-writer.js";

/** Length of the serials this CA makes; RFC 5280 allows up to 20 octets. */
export const serialNumberLength = 16;

/**
 * A fresh certificate serial number, as lowercase hex of its DER INTEGER content. 16 random
 * octets with the top bit cleared (the INTEGER stays positive without a sign octet) and a
 * non-zero first octet (no leading zero, so hex and DER content are the same octets): 126
 * random bits at least, well above the 64 the CA/Browser Forum asks for.
 */
export function generateSerialNumber(random: (size: number) => Buffer = randomBytes): string {
  const octets = random(serialNumberLength);
  if (octets.length !== serialNumberLength) throw new GdsError("Internal", "random source failed");

  octets[0] = octets[0]! & 0x7f || 0x40;
  return octets.toString("hex");
}

/**
 * The DER INTEGER for a serial in hex, the form serials are stored in. Any positive serial is
 * accepted (certificates imported from elsewhere may have odd ones); hex case does not matter.
 */
export function encodeSerialNumber(hex: string): Buffer {
  if (!/^[0-9A-Fa-f]+$/.test(hex)) throw new GdsError("InvalidArgument", "serial number not hex");

  const digits = hex.replace(/^0+/, "");
  if (digits === "") throw new GdsError("InvalidArgument", "serial number must be positive");
  const magnitude = Buffer.from(digits.length % 2 === 0 ? digits : `0${digits}`, "hex");
  const needsSign = (magnitude[0]! & 0x80) !== 0;
  if (magnitude.length + (needsSign ? 1 : 0) > 20) {
    throw new GdsError("InvalidArgument", "serial number longer than 20 octets");
  }
  return tlv(tags.integer, needsSign ? Buffer.from([0]) : Buffer.alloc(0), magnitude);
}

/** Canonical hex of a serial for comparing: lowercase, whole octets, no leading zero octet. */
export function normalizeSerialNumber(hex: string): string {
  const digits = hex.toLowerCase().replace(/^0+/, "");
  return digits.length % 2 === 0 ? digits : `0${digits}`;
}
