import { GdsError } from "../core/errors.js";
import type { Signer } from "../keys/signer.js";
import { buildCertificate, signerAlgorithm } from "./certificate-builder.js";
import {
  authorityInfoAccess,
  authorityKeyIdentifier,
  basicConstraints,
  cRLDistributionPoints,
  extendedKeyUsage,
  keyUsage,
  subjectAltName,
  subjectKeyIdentifierExtension,
  type PublicationUrls,
} from "./certificate-extensions.js";
import type { CertificateProfile } from "./certificate-profile.js";
import { DerReader } from "./der-reader.js";
import { tags } from "./der-writer.js";
import { issuerFor } from "./issuer-certificate.js";
import { signatureAlgorithmByName } from "./signature-algorithm.js";
import { subjectKeyIdentifier } from "./subject-public-key-info.js";

export interface ApplicationCertificateRequest {
  readonly signer: Signer;
  /** The CA certificate whose key `signer` holds. */
  readonly issuer: { readonly certificateDer: Uint8Array };
  /** Subject Name DER; copied into the certificate byte for byte. */
  readonly subject: Buffer;
  readonly publicKeyInfo: Buffer;
  readonly applicationUri: string;
  readonly dnsNames: readonly string[];
  /** IPv4 or IPv6 addresses in text form. */
  readonly ipAddresses: readonly string[];
  readonly profile: CertificateProfile;
  /** Hex, e.g. from generateSerialNumber(). */
  readonly serialNumber: string;
  readonly notBefore: Date;
  /** Defaults to notBefore plus the profile's validityDays. */
  readonly notAfter?: Date;
  /** cRLDistributionPoints and authorityInfoAccess, finished DER (publicationExtensions). */
  readonly publicationExtensions?: readonly Buffer[];
}

const dayMilliseconds = 86_400_000;

// Key usage, EKU and basic constraints depend on the profile alone: encode them once.
const profileExtensions = new WeakMap<CertificateProfile, Buffer[]>();

function extensionsOf(profile: CertificateProfile): Buffer[] {
  let encoded = profileExtensions.get(profile);
  if (!encoded) {
    const { keyUsage: usage, extendedKeyUsage: eku } = profile;
    encoded = [
      basicConstraints(false),
      keyUsage(usage.usages, usage.critical),
      extendedKeyUsage(eku.purposes, eku.critical),
    ];
    profileExtensions.set(profile, encoded);
  }
  return encoded;
}

/**
 * Issues an OPC UA application instance certificate (Part 6 6.2.2): the registered
 * ApplicationUri as the only SAN URI, the host names and addresses the application is reached
 * by, key usage and EKU from the profile, not a CA, and AKI/SKI so stacks can build the chain.
 * The caller has checked the request (checkCertificationRequest) and chosen the names.
 */
export async function issueApplicationCertificate(
  request: ApplicationCertificateRequest,
): Promise<Buffer> {
  const { signer, profile, subject, publicKeyInfo, notBefore } = request;
  if (signerAlgorithm(signer) !== signatureAlgorithmByName(profile.signatureAlgorithm)) {
    throw new GdsError("InvalidState", "the CA key cannot sign this certificate type");
  }
  if (request.applicationUri === "") {
    throw new GdsError("CertificateUriInvalid", "ApplicationUri is empty");
  }
  const subjectIsEmpty = checkSubject(subject);

  // Validity: as the profile says, but never beyond the issuer's own.
  const issuer = issuerFor(signer, request.issuer.certificateDer);
  if (issuer.notAfter <= notBefore) {
    throw new GdsError("InvalidState", "the issuer certificate expires before notBefore");
  }
  const requested =
    request.notAfter ?? new Date(notBefore.getTime() + profile.validityDays * dayMilliseconds);
  const notAfter = requested > issuer.notAfter ? issuer.notAfter : requested;

  // RFC 5280 4.2.1.6: with an empty subject the SAN carries the identity and must be critical.
  const names = {
    uris: [request.applicationUri],
    dnsNames: [...request.dnsNames],
    ipAddresses: [...request.ipAddresses],
  };
  const extensions = [
    ...extensionsOf(profile),
    subjectAltName(names, subjectIsEmpty),
    subjectKeyIdentifierExtension(subjectKeyIdentifier(publicKeyInfo)),
    authorityKeyIdentifier(issuer.keyIdentifier),
    ...(request.publicationExtensions ?? []),
  ];

  return buildCertificate(signer, {
    serialNumber: request.serialNumber,
    issuer: issuer.subject,
    notBefore,
    notAfter,
    subject,
    publicKeyInfo,
    extensions,
  });
}

/** The subject must be one DER SEQUENCE; returns whether it holds no RDN at all. */
function checkSubject(subject: Buffer): boolean {
  try {
    const reader = DerReader.of(subject);
    const name = reader.read(tags.sequence);
    reader.expectDone();
    return name.end === name.contentStart;
  } catch (error) {
    throw new GdsError("InvalidArgument", "subject is not a DER Name", error);
  }
}

/** Encoded once per URL set: the same two extensions go into every certificate. */
export function publicationExtensions(urls: PublicationUrls): Buffer[] {
  return [cRLDistributionPoints(urls.crl), authorityInfoAccess(urls)];
}
