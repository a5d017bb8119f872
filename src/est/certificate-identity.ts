import { AsnConvert } from "@peculiar/asn1-schema";
import { Certificate, id_ce_subjectAltName } from "@peculiar/asn1-x509";
import { decodeGeneralNames } from "../ca/general-names.js";

/**
 * RFC 7030 4.2.2: a re-enrolment keeps the subject and subjectAltName of the certificate it
 * renews. The subject is compared as DER (the CA copies it unchanged from the request); the
 * hosts (DNS names and IP addresses) as sets, since the URI is always the registered one.
 */
export function sameIdentity(
  currentDer: Buffer,
  requested: { subject: Buffer; hosts: string[] },
): boolean {
  const certificate = AsnConvert.parse(currentDer, Certificate);
  const subject = Buffer.from(AsnConvert.serialize(certificate.tbsCertificate.subject));
  if (!subject.equals(requested.subject)) return false;

  const extension = certificate.tbsCertificate.extensions
    ?.find((candidate) => candidate.extnID === id_ce_subjectAltName);
  const names = extension
    ? decodeGeneralNames(Buffer.from(extension.extnValue.buffer))
    : { dnsNames: [], ipAddresses: [] };
  const current = new Set([...names.dnsNames, ...names.ipAddresses].map(lower));
  const asked = new Set(requested.hosts.map(lower));
  // A request naming no host gets the registered hosts, as the first enrolment did.
  if (asked.size === 0) return true;
  return current.size === asked.size && [...asked].every((host) => current.has(host));
}

function lower(text: string): string {
  return text.toLowerCase();
}
