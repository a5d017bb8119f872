import { GdsError } from "../core/errors.js";
import type { Signer } from "../keys/signer.js";
import { bitString, contextTag, sequence, smallInteger, time, tlv } from "./der-writer.js";
import { encodeSerialNumber } from "./serial-number.js";
import { signatureAlgorithmByOid, type SignatureAlgorithm } from "./signature-algorithm.js";

/** The fields of a v3 TBSCertificate (RFC 5280 4.1), every Name and key already DER. */
export interface TbsCertificateFields {
  /** Hex, as stored. */
  readonly serialNumber: string;
  readonly issuer: Buffer;
  readonly notBefore: Date;
  readonly notAfter: Date;
  readonly subject: Buffer;
  readonly publicKeyInfo: Buffer;
  /** Finished Extension DER, in the order they are to appear. */
  readonly extensions: readonly Buffer[];
}

const version3 = tlv(contextTag(0, true), smallInteger(2));

/** The AlgorithmIdentifier a signer produces; one it cannot name is a configuration error. */
export function signerAlgorithm(signer: Signer): SignatureAlgorithm {
  const algorithm = signatureAlgorithmByOid(signer.signatureAlgorithm);
  if (!algorithm) throw new GdsError("InvalidState", "the signer's algorithm is not supported");
  return algorithm;
}

/** Encodes the TBSCertificate, has the signer sign it and returns the certificate DER. */
export async function buildCertificate(
  signer: Signer,
  fields: TbsCertificateFields,
): Promise<Buffer> {
  const { notBefore, notAfter } = fields;
  if (Number.isNaN(notBefore.getTime()) || Number.isNaN(notAfter.getTime())) {
    throw new GdsError("InvalidArgument", "validity dates are not dates");
  }
  if (Math.floor(notAfter.getTime() / 1000) <= Math.floor(notBefore.getTime() / 1000)) {
    throw new GdsError("InvalidArgument", "notAfter must lie after notBefore");
  }

  const algorithm = signerAlgorithm(signer);
  const tbsCertificate = sequence(
    version3,
    encodeSerialNumber(fields.serialNumber),
    algorithm.identifier,
    fields.issuer,
    sequence(time(notBefore), time(notAfter)),
    fields.subject,
    fields.publicKeyInfo,
    tlv(contextTag(3, true), sequence(...fields.extensions)),
  );

  const signature = await signer.sign(tbsCertificate);
  return sequence(tbsCertificate, algorithm.identifier, bitString(signature));
}
