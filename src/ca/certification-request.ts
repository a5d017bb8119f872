import { verify, type KeyObject } from "node:crypto";
import { GdsError, isGdsError } from "../core/errors.js";
import { extensionOids } from "./certificate-extensions.js";
import { DerReader } from "./der-reader.js";
import { contextTag, tags } from "./der-writer.js";
import { decodeGeneralNames, type GeneralNames } from "./general-names.js";
import type { KeyAlgorithm } from "./signature-algorithm.js";
import { signatureAlgorithmByOid } from "./signature-algorithm.js";
import { readSubjectPublicKey, type NamedCurve } from "./subject-public-key-info.js";

/** A PKCS#10 request (RFC 2986) whose signature has been checked. */
export interface CertificationRequest {
  readonly der: Buffer;
  /** The subject Name exactly as the requester encoded it, to be copied unchanged. */
  readonly subject: Buffer;
  readonly publicKeyInfo: Buffer;
  readonly publicKey: KeyObject;
  readonly keyAlgorithm: KeyAlgorithm;
  readonly keyBits: number;
  readonly curve?: NamedCurve;
  readonly sanUris: string[];
  readonly sanDnsNames: string[];
  readonly sanIpAddresses: string[];
}

const extensionRequest = "1.2.840.113549.1.9.14";
// A CSR for a 16384-bit RSA key with a generous SAN stays under 8 KiB; anything far larger is
// not a request but an attempt to make the parser work.
const maxRequestLength = 65_536;

/**
 * Parses and verifies a DER CSR. Everything wrong with it (not DER, truncated, trailing bytes,
 * unknown algorithm, bad signature) is InvalidArgument with a message safe to return.
 */
export function parseCertificationRequest(der: Uint8Array): CertificationRequest {
  try {
    // A private copy: the result holds slices of it, which must not change under the caller.
    return parse(Buffer.from(der));
  } catch (error) {
    if (isGdsError(error)) {
      throw new GdsError(error.code, `certification request: ${error.message}`, error.cause);
    }
    throw new GdsError("InvalidArgument", "certification request does not parse", error);
  }
}

function parse(der: Buffer): CertificationRequest {
  if (der.length === 0) throw new GdsError("InvalidArgument", "empty");
  if (der.length > maxRequestLength) throw new GdsError("InvalidArgument", "too large");

  // CertificationRequest ::= SEQUENCE { certificationRequestInfo, signatureAlgorithm, signature }
  const outer = DerReader.of(der);
  const request = outer.children(outer.read(tags.sequence));
  outer.expectDone();
  const infoElement = request.read(tags.sequence);
  const signatureOid = request.children(request.read(tags.sequence)).readObjectIdentifier();
  const signature = request.readBitStringOctets();
  request.expectDone();

  // CertificationRequestInfo ::= SEQUENCE { version, subject, subjectPKInfo, [0] attributes }
  const info = request.children(infoElement);
  const version = info.content(info.read(tags.integer));
  if (version.length !== 1 || version[0] !== 0) throw new GdsError("InvalidArgument", "version");
  const subject = info.encoded(info.read(tags.sequence));
  checkName(subject);
  const publicKeyInfo = info.encoded(info.read(tags.sequence));
  const attributes = info.readOptional(contextTag(0, true));
  info.expectDone();
  const names = attributes ? readSubjectAltName(info.children(attributes)) : undefined;

  // Proof of possession: the request is signed by the key it asks a certificate for.
  const algorithm = signatureAlgorithmByOid(signatureOid);
  if (!algorithm) throw new GdsError("InvalidArgument", "unsupported signature algorithm");
  const key = readSubjectPublicKey(publicKeyInfo);
  if (key.keyAlgorithm !== algorithm.keyAlgorithm) {
    throw new GdsError("InvalidArgument", "signature algorithm does not fit the key");
  }
  if (!verifySignature(algorithm.hash, info.encoded(infoElement), key.publicKey, signature)) {
    throw new GdsError("InvalidArgument", "signature invalid");
  }

  return {
    der,
    subject,
    publicKeyInfo,
    ...key,
    sanUris: names?.uris ?? [],
    sanDnsNames: names?.dnsNames ?? [],
    sanIpAddresses: names?.ipAddresses ?? [],
  };
}

function verifySignature(hash: string, data: Buffer, key: KeyObject, signature: Buffer): boolean {
  try {
    return verify(hash, data, key, signature);
  } catch {
    // OpenSSL throws rather than answering false for some malformed signatures.
    return false;
  }
}

/** Name ::= SEQUENCE OF SET OF SEQUENCE { type OID, value ANY }, walked to be sure it is one. */
function checkName(name: Buffer): void {
  const outer = DerReader.of(name);
  const rdns = outer.children(outer.read(tags.sequence));
  while (!rdns.done) {
    const rdn = rdns.children(rdns.read(tags.set));
    if (rdn.done) throw new GdsError("InvalidArgument", "empty RDN in subject");
    while (!rdn.done) {
      const pair = rdn.children(rdn.read(tags.sequence));
      pair.readObjectIdentifier();
      pair.read();
      pair.expectDone();
    }
  }
}

/** The subjectAltName requested through the PKCS#9 extensionRequest attribute, if any. */
function readSubjectAltName(attributes: DerReader): GeneralNames | undefined {
  let found: GeneralNames | undefined;
  let requests = 0;

  while (!attributes.done) {
    const attribute = attributes.children(attributes.read(tags.sequence));
    if (attribute.readObjectIdentifier() !== extensionRequest) continue;
    requests += 1;

    const values = attribute.children(attribute.read(tags.set));
    const extensions = values.children(values.read(tags.sequence));
    values.expectDone();
    while (!extensions.done) {
      const extension = extensions.children(extensions.read(tags.sequence));
      const oid = extension.readObjectIdentifier();
      extension.readOptional(tags.boolean);
      const value = extension.content(extension.read(tags.octetString));
      extension.expectDone();
      if (oid !== extensionOids.subjectAltName) continue;

      if (found) throw new GdsError("InvalidArgument", "subjectAltName requested twice");
      found = decodeGeneralNames(value);
    }
  }

  if (requests > 1) throw new GdsError("InvalidArgument", "extensionRequest given twice");
  return found;
}
