import { createHash } from "node:crypto";
import { objectIdentifier, octetString, sequence } from "../src/ca/der-writer.js";
import { readIssuerCertificate } from "../src/ca/issuer-certificate.js";
import { encodeSerialNumber } from "../src/ca/serial-number.js";
import { subjectPublicKeyBits } from "../src/ca/subject-public-key-info.js";

/** An OCSPRequest for one serial of this CA: SHA-1 CertID, no nonce (`openssl ocsp -no_nonce`). */
export function ocspRequestFor(issuerCertificateDer: Buffer, serialNumber: string): Buffer {
  const issuer = readIssuerCertificate(issuerCertificateDer);
  const sha1 = (data: Buffer) => createHash("sha1").update(data).digest();
  const certId = sequence(sequence(objectIdentifier("1.3.14.3.2.26"), Buffer.from([5, 0])),
    octetString(sha1(issuer.subject)),
    octetString(sha1(subjectPublicKeyBits(issuer.publicKeyInfo))),
    encodeSerialNumber(serialNumber));
  return sequence(sequence(sequence(sequence(certId))));
}
