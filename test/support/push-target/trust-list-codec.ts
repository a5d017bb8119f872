import "reflect-metadata";
import { X509Certificate } from "node:crypto";
import { X509Certificate as PeculiarCertificate, X509Crl } from "@peculiar/x509";
import { BinaryStream, StatusCodes } from "node-opcua";
import { TrustListDataType } from "node-opcua-types";
import type { TrustListContent } from "../../../src/core/issuing.js";
import { Refusal } from "./method-access.js";

/** TrustListMasks (Part 12 7.8.2.7): which lists a TrustListDataType carries. */
export const trustListMasks = {
  trustedCertificates: 1,
  trustedCrls: 2,
  issuerCertificates: 4,
  issuerCrls: 8,
} as const satisfies Record<keyof TrustListContent, number>;

export const allLists = 15;

const listNames = Object.keys(trustListMasks) as Array<keyof TrustListContent>;

export function emptyTrustList(): TrustListContent {
  return { trustedCertificates: [], trustedCrls: [], issuerCertificates: [], issuerCrls: [] };
}

/** The UA Binary TrustList file with the lists selected by `masks`. */
export function encodeTrustList(content: TrustListContent, masks = allLists): Buffer {
  const value = new TrustListDataType({ specifiedLists: masks & allLists });
  for (const name of listNames) {
    value[name] = masks & trustListMasks[name] ? content[name] : [];
  }
  const stream = new BinaryStream(value.binaryStoreSize());
  value.encode(stream);
  return stream.buffer;
}

/**
 * Reads a written TrustList file. Lists left out of SpecifiedLists keep their values from
 * `base`; every certificate and CRL must parse, or the whole file is refused.
 */
export function decodeTrustList(data: Buffer, base: TrustListContent): TrustListContent {
  const value = new TrustListDataType();
  try {
    value.decode(new BinaryStream(data));
  } catch {
    throw new Refusal(StatusCodes.BadInvalidArgument, "the TrustList file does not decode");
  }
  const content = emptyTrustList();
  for (const name of listNames) {
    const specified = (value.specifiedLists & trustListMasks[name]) !== 0;
    content[name] = specified ? (value[name] ?? []).map((item) => Buffer.from(item)) : base[name];
  }
  checkValues(content);
  return content;
}

export function checkValues(content: TrustListContent): void {
  for (const der of [...content.trustedCertificates, ...content.issuerCertificates]) {
    try {
      new X509Certificate(der);
    } catch {
      throw new Refusal(StatusCodes.BadCertificateInvalid, "a certificate does not parse");
    }
  }
  for (const der of [...content.trustedCrls, ...content.issuerCrls]) {
    try {
      new X509Crl(new Uint8Array(der));
    } catch {
      throw new Refusal(StatusCodes.BadCertificateInvalid, "a CRL does not parse");
    }
  }
}

/** MaxTrustListSize (bytes of the encoded TrustList; 0 means no limit). */
export function checkSize(content: TrustListContent, maxTrustListSize: number): void {
  if (maxTrustListSize > 0 && encodeTrustList(content).length > maxTrustListSize) {
    throw new Refusal(StatusCodes.BadRequestTooLarge, "the TrustList exceeds MaxTrustListSize");
  }
}

/** CRLs whose issuer is the given CA certificate (names compared as DER). */
export function crlsIssuedBy(crls: Buffer[], certificate: Buffer): Buffer[] {
  const subject = Buffer.from(
    new PeculiarCertificate(new Uint8Array(certificate)).subjectName.toArrayBuffer());
  return crls.filter((der) => subject.equals(
    Buffer.from(new X509Crl(new Uint8Array(der)).issuerName.toArrayBuffer())));
}
