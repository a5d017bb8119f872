import { GdsError } from "../core/errors.js";
import { extensionOids } from "./certificate-extensions.js";
import { DerReader } from "./der-reader.js";
import { contextTag, tags } from "./der-writer.js";
import type { Signer } from "../keys/signer.js";
import { subjectKeyIdentifier } from "./subject-public-key-info.js";

/** What issuing needs to know about the CA certificate it issues under. */
export interface IssuerCertificate {
  /** The CA's subject Name, DER, to be copied as the issuer of what it signs. */
  readonly subject: Buffer;
  readonly publicKeyInfo: Buffer;
  /** The CA's SKI, which becomes the AKI keyIdentifier of what it signs. */
  readonly keyIdentifier: Buffer;
  readonly notAfter: Date;
}

// Reading is cheap but not free; a CA issues thousands of certificates under a handful of
// issuer certificates. Keyed by content so callers need not keep the same Buffer around.
const cache = new Map<string, IssuerCertificate>();
const cacheLimit = 16;

/** Reads (once, then from a cache) the parts of a CA certificate issuing needs. */
export function readIssuerCertificate(certificateDer: Uint8Array): IssuerCertificate {
  const der = Buffer.from(certificateDer.buffer, certificateDer.byteOffset, certificateDer.length);
  const key = der.toString("latin1");
  const cached = cache.get(key);
  if (cached) return cached;

  const issuer = read(Buffer.from(der));
  if (cache.size >= cacheLimit) cache.delete(cache.keys().next().value!);
  cache.set(key, issuer);
  return issuer;
}

/**
 * The issuer, checked against the key that is about to sign: a certificate signed by any other
 * key would never verify, and the mistake would surface far from its cause.
 */
export function issuerFor(signer: Signer, certificateDer: Uint8Array): IssuerCertificate {
  const issuer = readIssuerCertificate(certificateDer);
  if (!issuer.publicKeyInfo.equals(signer.publicKeyInfo)) {
    throw new GdsError("InvalidState", "the signing key is not the issuer certificate's key");
  }
  return issuer;
}

function read(der: Buffer): IssuerCertificate {
  // Certificate ::= SEQUENCE { tbsCertificate, signatureAlgorithm, signatureValue }
  const outer = DerReader.of(der);
  const certificate = outer.children(outer.read(tags.sequence));
  outer.expectDone();
  const tbs = certificate.children(certificate.read(tags.sequence));

  tbs.readOptional(contextTag(0, true));
  tbs.read(tags.integer);
  tbs.read(tags.sequence);
  tbs.read(tags.sequence);
  const validity = tbs.children(tbs.read(tags.sequence));
  validity.readTime();
  const notAfter = validity.readTime();
  const subject = tbs.encoded(tbs.read(tags.sequence));
  const publicKeyInfo = tbs.encoded(tbs.read(tags.sequence));
  tbs.readOptional(contextTag(1, false));
  tbs.readOptional(contextTag(2, false));
  const extensionsField = tbs.readOptional(contextTag(3, true));

  let keyIdentifier: Buffer | undefined;
  let isCa = false;
  const list = extensionsField ? tbs.children(extensionsField) : undefined;
  const extensions = list ? list.children(list.read(tags.sequence)) : undefined;
  while (extensions && !extensions.done) {
    const extension = extensions.children(extensions.read(tags.sequence));
    const oid = extension.readObjectIdentifier();
    extension.readOptional(tags.boolean);
    const value = DerReader.of(extension.content(extension.read(tags.octetString)));

    if (oid === extensionOids.subjectKeyIdentifier) {
      keyIdentifier = value.content(value.read(tags.octetString));
    } else if (oid === extensionOids.basicConstraints) {
      const constraints = value.children(value.read(tags.sequence));
      const cA = constraints.readOptional(tags.boolean);
      isCa = cA !== undefined && constraints.content(cA)[0] !== 0;
    }
  }

  if (!isCa) throw new GdsError("InvalidState", "the issuer certificate is not a CA certificate");
  // Without an SKI in the CA certificate, AKI takes the value the CA would have had (method 1).
  keyIdentifier ??= subjectKeyIdentifier(publicKeyInfo);
  return { subject, publicKeyInfo, keyIdentifier, notAfter };
}
