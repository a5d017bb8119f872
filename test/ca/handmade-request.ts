import { sign, type KeyObject } from "node:crypto";
import {
  bitString,
  contextTag,
  nullValue,
  objectIdentifier,
  octetString,
  sequence,
  setOf,
  smallInteger,
  tlv,
} from "../../src/ca/der-writer.js";

/**
 * CSRs OpenSSL will not make: unusual subject encodings, duplicated extensions, no attributes.
 * Built from the CA's own DER writer, which is fine for setting up input; what is checked about
 * them is checked through openssl or by the parser's refusal.
 */
export interface HandmadeRequest {
  readonly subject: Buffer;
  readonly privateKey: KeyObject;
  readonly publicKeyInfo: Buffer;
  /** Finished Attribute DER; undefined leaves the [0] attributes field out entirely. */
  readonly attributes?: Buffer[];
}

export function handmadeRequest(request: HandmadeRequest): Buffer {
  const attributes = request.attributes ? [tlv(contextTag(0, true), ...request.attributes)] : [];
  const info = sequence(smallInteger(0), request.subject, request.publicKeyInfo, ...attributes);
  const algorithm = sequence(objectIdentifier("1.2.840.113549.1.1.11"), nullValue());
  return sequence(info, algorithm, bitString(sign("sha256", info, request.privateKey)));
}

/** The PKCS#9 extensionRequest attribute holding the given Extension DERs. */
export function extensionRequest(...extensions: Buffer[]): Buffer {
  return sequence(objectIdentifier("1.2.840.113549.1.9.14"), setOf(sequence(...extensions)));
}

/** A subjectAltName Extension with URI entries only. */
export function uriSubjectAltName(...uris: string[]): Buffer {
  const names = sequence(...uris.map((uri) => tlv(contextTag(6, false), Buffer.from(uri))));
  return sequence(objectIdentifier("2.5.29.17"), octetString(names));
}
