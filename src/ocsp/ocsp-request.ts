import { GdsError } from "../core/errors.js";
import { DerReader } from "../ca/der-reader.js";
import { contextTag, tags } from "../ca/der-writer.js";

/** id-pkix-ocsp-nonce (RFC 6960 4.4.1, RFC 8954). */
export const nonceOid = "1.3.6.1.5.5.7.48.1.2";

/** One CertID of a request (RFC 6960 4.1.1), with its exact bytes for the answer to echo. */
export interface CertId {
  /** The CertID TLV as the client sent it. */
  readonly der: Buffer;
  readonly hashAlgorithm: string;
  readonly issuerNameHash: Buffer;
  readonly issuerKeyHash: Buffer;
  /**
   * Lowercase hex of the serial, whole octets without a leading zero octet (the store's form);
   * undefined for a serial this CA cannot have made (zero or negative).
   */
  readonly serialNumber: string | undefined;
}

export interface OcspRequest {
  readonly certIds: CertId[];
  /** The nonce Extension TLV as sent, when it holds 1 to 32 octets (RFC 8954 2.1). */
  readonly nonceExtension?: Buffer;
}

/** More CertIDs than this in one request is refused; RFC 5019 clients send one. */
export const maxCertIds = 16;
const maxNonceOctets = 32;

function malformed(reason: string): GdsError {
  return new GdsError("InvalidArgument", `malformed OCSP request: ${reason}`);
}

/**
 * Reads an OCSPRequest (RFC 6960 4.1.1) strictly. A request signature, if any, is not checked:
 * this responder answers anyone, as a public CRL would. Throws InvalidArgument when the DER is
 * not an OCSPRequest.
 */
export function parseOcspRequest(der: Buffer): OcspRequest {
  try {
    return parse(der);
  } catch (error) {
    if (error instanceof GdsError) throw malformed(error.message);
    throw malformed("unreadable");
  }
}

function parse(der: Buffer): OcspRequest {
  // OCSPRequest ::= SEQUENCE { tbsRequest TBSRequest, optionalSignature [0] EXPLICIT OPTIONAL }
  const outer = DerReader.of(der);
  const request = outer.children(outer.read(tags.sequence));
  outer.expectDone();
  const tbs = request.children(request.read(tags.sequence));
  request.readOptional(contextTag(0, true));
  request.expectDone();

  const version = tbs.readOptional(contextTag(0, true));
  if (version) {
    const value = tbs.children(version);
    const v = value.content(value.read(tags.integer));
    if (v.length !== 1 || v[0] !== 0) throw malformed("unsupported version");
  }
  tbs.readOptional(contextTag(1, true));

  const list = tbs.children(tbs.read(tags.sequence));
  const certIds: CertId[] = [];
  while (!list.done) {
    if (certIds.length === maxCertIds) throw malformed("too many CertIDs");
    const single = list.children(list.read(tags.sequence));
    certIds.push(readCertId(single));
    single.readOptional(contextTag(0, true));
    single.expectDone();
  }
  if (certIds.length === 0) throw malformed("no CertID");

  const extensionsField = tbs.readOptional(contextTag(2, true));
  tbs.expectDone();
  return { certIds, nonceExtension: extensionsField && findNonce(tbs, extensionsField) };
}

function readCertId(reader: DerReader): CertId {
  const element = reader.read(tags.sequence);
  const fields = reader.children(element);
  const algorithm = fields.children(fields.read(tags.sequence));
  const hashAlgorithm = algorithm.readObjectIdentifier();
  if (!algorithm.done) algorithm.read(tags.null);
  algorithm.expectDone();
  const issuerNameHash = fields.content(fields.read(tags.octetString));
  const issuerKeyHash = fields.content(fields.read(tags.octetString));
  const serial = fields.content(fields.read(tags.integer));
  fields.expectDone();
  if (serial.length === 0) throw malformed("empty serial number");
  // DER: no redundant leading octet. The CertID is echoed in the answer, and a client would
  // reject an answer carrying a CertID that is not valid DER.
  if (serial.length > 1 && ((serial[0] === 0 && (serial[1]! & 0x80) === 0)
    || (serial[0] === 0xff && (serial[1]! & 0x80) !== 0))) {
    throw malformed("serial number not in minimal encoding");
  }

  return {
    der: reader.encoded(element),
    hashAlgorithm,
    issuerNameHash,
    issuerKeyHash,
    serialNumber: serialHex(serial),
  };
}

function serialHex(content: Buffer): string | undefined {
  if ((content[0]! & 0x80) !== 0) return undefined;
  let start = 0;
  while (start < content.length - 1 && content[start] === 0) start += 1;
  const hex = content.subarray(start).toString("hex");
  return hex === "00" ? undefined : hex;
}

/** The nonce Extension, when present and of a length this responder echoes. */
function findNonce(reader: DerReader, field: ReturnType<DerReader["read"]>): Buffer | undefined {
  const wrapper = reader.children(field);
  const list = wrapper.children(wrapper.read(tags.sequence));
  wrapper.expectDone();
  let nonce: Buffer | undefined;
  while (!list.done) {
    const element = list.read(tags.sequence);
    const extension = list.children(element);
    const oid = extension.readObjectIdentifier();
    extension.readOptional(tags.boolean);
    const value = extension.content(extension.read(tags.octetString));
    extension.expectDone();
    if (oid !== nonceOid) continue;

    // RFC 8954: the extnValue holds an OCTET STRING of 1 to 32 octets; others go unanswered.
    try {
      const inner = DerReader.of(value);
      const octets = inner.content(inner.read(tags.octetString));
      inner.expectDone();
      if (octets.length >= 1 && octets.length <= maxNonceOctets) {
        nonce = list.encoded(element);
      }
    } catch {
      // Not an OCTET STRING: answered without a nonce, as for a length out of range.
      nonce = undefined;
    }
  }
  return nonce;
}
