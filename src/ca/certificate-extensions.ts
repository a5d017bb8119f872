import {
  booleanTrue,
  contextTag,
  nullValue,
  objectIdentifier,
  octetString,
  sequence,
  tags,
  tlv,
} from "./der-writer.js";
import { encodeGeneralNames, type GeneralNames } from "./general-names.js";

/** Certificate extensions (RFC 5280 4.2) as finished Extension DER. */

export const extensionOids = {
  subjectKeyIdentifier: "2.5.29.14",
  keyUsage: "2.5.29.15",
  subjectAltName: "2.5.29.17",
  basicConstraints: "2.5.29.19",
  cRLNumber: "2.5.29.20",
  reasonCode: "2.5.29.21",
  authorityKeyIdentifier: "2.5.29.35",
  cRLDistributionPoints: "2.5.29.31",
  extKeyUsage: "2.5.29.37",
  authorityInfoAccess: "1.3.6.1.5.5.7.1.1",
  ocspNoCheck: "1.3.6.1.5.5.7.48.1.5",
} as const;

/** AccessDescription methods (RFC 5280 4.2.2.1). */
const accessMethodOids = { ocsp: "1.3.6.1.5.5.7.48.1", caIssuers: "1.3.6.1.5.5.7.48.2" };

/** KeyUsage bits in the order of their bit numbers. */
export const keyUsageBits = [
  "digitalSignature",
  "nonRepudiation",
  "keyEncipherment",
  "dataEncipherment",
  "keyAgreement",
  "keyCertSign",
  "cRLSign",
  "encipherOnly",
  "decipherOnly",
] as const;

export type KeyUsageBit = (typeof keyUsageBits)[number];

const keyPurposeOids = {
  serverAuth: "1.3.6.1.5.5.7.3.1",
  clientAuth: "1.3.6.1.5.5.7.3.2",
  codeSigning: "1.3.6.1.5.5.7.3.3",
  emailProtection: "1.3.6.1.5.5.7.3.4",
  timeStamping: "1.3.6.1.5.5.7.3.8",
  OCSPSigning: "1.3.6.1.5.5.7.3.9",
} as const;

export type KeyPurpose = keyof typeof keyPurposeOids;

export const keyPurposes = Object.keys(keyPurposeOids) as KeyPurpose[];

// Encoded once: these OIDs appear in every certificate.
const encodedOids = new Map<string, Buffer>(
  [...Object.values(extensionOids), ...Object.values(keyPurposeOids)].map((oid) => [
    oid,
    objectIdentifier(oid),
  ]),
);

export function extension(oid: string, critical: boolean, value: Buffer): Buffer {
  const id = encodedOids.get(oid) ?? objectIdentifier(oid);
  // critical BOOLEAN DEFAULT FALSE: DER leaves a false default out.
  return critical
    ? sequence(id, booleanTrue(), octetString(value))
    : sequence(id, octetString(value));
}

export function basicConstraints(cA: boolean): Buffer {
  // cA BOOLEAN DEFAULT FALSE: an end entity's value is the empty SEQUENCE.
  return extension(extensionOids.basicConstraints, true, cA ? sequence(booleanTrue()) : sequence());
}

export function keyUsage(bits: readonly KeyUsageBit[], critical: boolean): Buffer {
  const numbers = bits.map((bit) => keyUsageBits.indexOf(bit));
  const highest = Math.max(...numbers);
  const octets = Buffer.alloc(Math.floor(highest / 8) + 1);
  for (const number of numbers) octets[number >> 3]! |= 0x80 >> (number & 7);

  // Named bit lists drop trailing zero bits in DER (X.690 11.2.2).
  const unusedBits = 7 - (highest & 7);
  const value = tlv(tags.bitString, Buffer.from([unusedBits]), octets);
  return extension(extensionOids.keyUsage, critical, value);
}

export function extendedKeyUsage(purposes: readonly KeyPurpose[], critical: boolean): Buffer {
  const value = sequence(...purposes.map((purpose) => encodedOids.get(keyPurposeOids[purpose])!));
  return extension(extensionOids.extKeyUsage, critical, value);
}

export function subjectAltName(names: GeneralNames, critical: boolean): Buffer {
  return extension(extensionOids.subjectAltName, critical, encodeGeneralNames(names));
}

export function subjectKeyIdentifierExtension(keyIdentifier: Buffer): Buffer {
  return extension(extensionOids.subjectKeyIdentifier, false, octetString(keyIdentifier));
}

export function authorityKeyIdentifier(keyIdentifier: Buffer): Buffer {
  const value = sequence(tlv(contextTag(0, false), keyIdentifier));
  return extension(extensionOids.authorityKeyIdentifier, false, value);
}

/** Where relying parties find the CA's CRL, its OCSP responder and its certificate. */
export interface PublicationUrls {
  crl: string;
  ocsp: string;
  caIssuers: string;
}

const uniformResourceIdentifier = contextTag(6, false);

function uriName(uri: string): Buffer {
  // IA5String: plain printable ASCII, which URL.href always yields.
  if (!/^[\x21-\x7e]+$/.test(uri)) throw new Error("a publication URL is not plain ASCII");
  return tlv(uniformResourceIdentifier, Buffer.from(uri, "latin1"));
}

/** One DistributionPoint: a fullName URI, no reasons, no cRLIssuer (RFC 5280 4.2.1.13). */
export function cRLDistributionPoints(url: string): Buffer {
  // distributionPoint [0] DistributionPointName, whose fullName [0] is GeneralNames (implicit).
  const fullName = tlv(contextTag(0, true), uriName(url));
  const distributionPoint = sequence(tlv(contextTag(0, true), fullName));
  return extension(extensionOids.cRLDistributionPoints, false, sequence(distributionPoint));
}

/** authorityInfoAccess with the OCSP responder and the caIssuers URL (RFC 5280 4.2.2.1). */
export function authorityInfoAccess(urls: { ocsp: string; caIssuers: string }): Buffer {
  const value = sequence(
    sequence(objectIdentifier(accessMethodOids.ocsp), uriName(urls.ocsp)),
    sequence(objectIdentifier(accessMethodOids.caIssuers), uriName(urls.caIssuers)),
  );
  return extension(extensionOids.authorityInfoAccess, false, value);
}

/** id-pkix-ocsp-nocheck (RFC 6960 4.2.2.2.1): a delegated responder is not checked itself. */
export function ocspNoCheck(): Buffer {
  return extension(extensionOids.ocspNoCheck, false, nullValue());
}
