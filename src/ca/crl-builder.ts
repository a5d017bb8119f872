import { GdsError } from "../core/errors.js";
import type { Signer } from "../keys/signer.js";
import { signerAlgorithm } from "./certificate-builder.js";
import { authorityKeyIdentifier, extension, extensionOids } from "./certificate-extensions.js";
import {
  bigInteger,
  bitString,
  contextTag,
  enumerated,
  sequence,
  sequenceOf,
  smallInteger,
  time,
  tlv,
} from "./der-writer.js";
import { issuerFor } from "./issuer-certificate.js";
import { encodeSerialNumber } from "./serial-number.js";

/** CRLReason (RFC 5280 5.3.1) by name; 7 is unused and removeFromCRL belongs to delta CRLs. */
export const revocationReasons = {
  unspecified: 0,
  keyCompromise: 1,
  cACompromise: 2,
  affiliationChanged: 3,
  superseded: 4,
  cessationOfOperation: 5,
  certificateHold: 6,
  privilegeWithdrawn: 9,
  aACompromise: 10,
} as const;

export type RevocationReason = keyof typeof revocationReasons;

export interface RevokedCertificate {
  /** Hex, as stored. */
  readonly serialNumber: string;
  readonly revocationDate: Date;
  readonly reason?: RevocationReason | number;
}

export interface CrlRequest {
  readonly signer: Signer;
  readonly issuerCertificateDer: Uint8Array;
  readonly crlNumber: bigint;
  readonly thisUpdate: Date;
  readonly nextUpdate: Date;
  readonly revoked: readonly RevokedCertificate[];
}

const version2 = smallInteger(1);
const reasonCodes = new Set<number>(Object.values(revocationReasons));

// One finished entry extension list per reason code; a CRL may hold 100,000 entries.
const reasonExtensions = new Map<number, Buffer>(
  [...reasonCodes]
    .filter((code) => code !== revocationReasons.unspecified)
    .map((code) => [code, sequence(extension(extensionOids.reasonCode, false, enumerated(code)))]),
);

/**
 * A v2 CRL (RFC 5280 5.1) signed by the CA: AKI and cRLNumber, nextUpdate always present
 * (several OPC UA stacks refuse a CRL without it), revokedCertificates left out when empty
 * rather than sent as an empty list, and a reasonCode only where it says something, as
 * RFC 5280 5.3.1 recommends for unspecified.
 */
export async function buildCrl(request: CrlRequest): Promise<Buffer> {
  const { signer, crlNumber, thisUpdate, nextUpdate } = request;
  if (crlNumber < 0n || crlNumber >= 1n << 159n) {
    throw new GdsError("InvalidArgument", "crlNumber must fit 20 octets and not be negative");
  }
  if (!(nextUpdate.getTime() > thisUpdate.getTime())) {
    throw new GdsError("InvalidArgument", "nextUpdate must lie after thisUpdate");
  }

  const algorithm = signerAlgorithm(signer);
  const issuer = issuerFor(signer, request.issuerCertificateDer);
  const entries = request.revoked.map(revokedEntry);
  const crlExtensions = [
    authorityKeyIdentifier(issuer.keyIdentifier),
    extension(extensionOids.cRLNumber, false, bigInteger(crlNumber)),
  ];

  const tbsCertList = sequence(
    version2,
    algorithm.identifier,
    issuer.subject,
    time(thisUpdate),
    time(nextUpdate),
    entries.length > 0 ? sequenceOf(entries) : Buffer.alloc(0),
    tlv(contextTag(0, true), sequence(...crlExtensions)),
  );

  const signature = await signer.sign(tbsCertList);
  return sequence(tbsCertList, algorithm.identifier, bitString(signature));
}

function revokedEntry(entry: RevokedCertificate): Buffer {
  const { reason } = entry;
  const named = typeof reason === "string" && Object.hasOwn(revocationReasons, reason);
  const code = named ? revocationReasons[reason] : reason;
  if (code !== undefined && (typeof code !== "number" || !reasonCodes.has(code))) {
    throw new GdsError("InvalidArgument", "unknown revocation reason");
  }

  const serial = encodeSerialNumber(entry.serialNumber);
  const date = time(entry.revocationDate);
  const extensions = code === undefined ? undefined : reasonExtensions.get(code);
  return extensions ? sequence(serial, date, extensions) : sequence(serial, date);
}
