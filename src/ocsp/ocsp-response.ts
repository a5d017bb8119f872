import { bitString, contextTag, enumerated, objectIdentifier, octetString, sequence, sequenceOf,
  tags, tlv } from "../ca/der-writer.js";
import { revocationReasons, type RevocationReason } from "../ca/crl-builder.js";

/** OCSPResponseStatus (RFC 6960 4.2.1). */
export const ocspResponseStatus = {
  successful: 0,
  malformedRequest: 1,
  internalError: 2,
  tryLater: 3,
  sigRequired: 5,
  unauthorized: 6,
} as const;

export type OcspResponseStatus = keyof typeof ocspResponseStatus;

/** What a SingleResponse says about one certificate. */
export type CertStatus =
  | { status: "good" }
  | { status: "unknown" }
  | { status: "revoked"; revocationTime: Date; revocationReason?: RevocationReason };

export interface SingleResponse {
  /** The CertID exactly as the request carried it. */
  readonly certIdDer: Buffer;
  readonly certStatus: CertStatus;
  readonly thisUpdate: Date;
  readonly nextUpdate: Date;
}

export interface BasicResponseFields {
  /** SHA-1 of the responder's public key: ResponderID byKey (RFC 6960 4.2.2.3). */
  readonly responderKeyHash: Buffer;
  readonly producedAt: Date;
  readonly responses: readonly SingleResponse[];
  /** The request's nonce Extension, echoed as received. */
  readonly nonceExtension?: Buffer;
}

const idPkixOcspBasic = objectIdentifier("1.3.6.1.5.5.7.48.1.1");
const good = Buffer.from([contextTag(0, false), 0]);
const unknown = Buffer.from([contextTag(2, false), 0]);

/** An OCSPResponse without responseBytes: every status but successful. Unsigned by design. */
export function unsignedOcspResponse(status: Exclude<OcspResponseStatus, "successful">): Buffer {
  return sequence(enumerated(ocspResponseStatus[status]));
}

/** ResponseData (RFC 6960 4.2.1), version v1 (left out as the DEFAULT). */
export function encodeResponseData(fields: BasicResponseFields): Buffer {
  const responderId = tlv(contextTag(2, true), octetString(fields.responderKeyHash));
  const single = fields.responses.map(encodeSingleResponse);
  const extensions = fields.nonceExtension
    ? [tlv(contextTag(1, true), sequence(fields.nonceExtension))] : [];
  return sequence(responderId, generalizedTime(fields.producedAt), sequenceOf(single),
    ...extensions);
}

/**
 * The successful OCSPResponse around a signed ResponseData. `certs` carries the delegated
 * responder certificate so that a client can check it was issued by the CA it asked about.
 */
export function encodeOcspResponse(
  responseData: Buffer,
  signatureAlgorithm: Buffer,
  signature: Buffer,
  certs: readonly Buffer[],
): Buffer {
  const basic = sequence(responseData, signatureAlgorithm, bitString(signature),
    tlv(contextTag(0, true), sequenceOf(certs)));
  const responseBytes = sequence(idPkixOcspBasic, octetString(basic));
  return sequence(enumerated(ocspResponseStatus.successful),
    tlv(contextTag(0, true), responseBytes));
}

function encodeSingleResponse(response: SingleResponse): Buffer {
  return sequence(
    response.certIdDer,
    encodeCertStatus(response.certStatus),
    generalizedTime(response.thisUpdate),
    tlv(contextTag(0, true), generalizedTime(response.nextUpdate)),
  );
}

function encodeCertStatus(certStatus: CertStatus): Buffer {
  if (certStatus.status === "good") return good;
  if (certStatus.status === "unknown") return unknown;
  // revoked [1] IMPLICIT RevokedInfo { revocationTime, revocationReason [0] EXPLICIT CRLReason }
  const reason = certStatus.revocationReason === undefined ? []
    : [tlv(contextTag(0, true), enumerated(revocationReasons[certStatus.revocationReason]))];
  return tlv(contextTag(1, true), generalizedTime(certStatus.revocationTime), ...reason);
}

/** OCSP times are GeneralizedTime in whole seconds (RFC 6960 4.2.2.1, RFC 5280 4.1.2.5.2). */
export function generalizedTime(date: Date): Buffer {
  const text = date.toISOString().replace(/[-:T]/g, "").replace(/\.\d{3}/, "");
  return tlv(tags.generalizedTime, Buffer.from(text, "latin1"));
}
