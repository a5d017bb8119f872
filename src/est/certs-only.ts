import {
  CertificateChoices,
  CertificateSet,
  ContentInfo,
  EncapsulatedContentInfo,
  SignedData,
  id_data,
  id_signedData,
} from "@peculiar/asn1-cms";
import { AsnConvert } from "@peculiar/asn1-schema";
import { Certificate } from "@peculiar/asn1-x509";

/**
 * A "certs-only" CMS message (RFC 7030 4.1.3 and 4.2.3, RFC 5751 3.6): a SignedData with no
 * content and no signers that only carries certificates. EST answers cacerts, simpleenroll and
 * simplereenroll with it; OpenSSL reads it with `openssl pkcs7 -print_certs`.
 */
export function certsOnly(certificates: readonly Buffer[]): Buffer {
  const signedData = new SignedData({
    version: 1,
    encapContentInfo: new EncapsulatedContentInfo({ eContentType: id_data }),
    certificates: new CertificateSet(certificates.map((der) =>
      new CertificateChoices({ certificate: AsnConvert.parse(der, Certificate) }))),
  });
  const contentInfo = new ContentInfo({
    contentType: id_signedData,
    content: AsnConvert.serialize(signedData),
  });
  return Buffer.from(AsnConvert.serialize(contentInfo));
}
