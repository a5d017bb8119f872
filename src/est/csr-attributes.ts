import { objectIdentifier, sequence } from "../ca/der-writer.js";

/** sha256WithRSAEncryption: the signature the CA checks a request with, and uses itself. */
const sha256WithRsaEncryption = "1.2.840.113549.1.1.11";
/** rsaEncryption: the key algorithm of every certificate type this version issues. */
const rsaEncryption = "1.2.840.113549.1.1.1";

/**
 * The CSR attributes an EST client should use (RFC 7030 4.5.2): CsrAttrs is a SEQUENCE of
 * AttrOrOID; plain OIDs name the key and signature algorithms expected. The SAN URI is not
 * asked for: the CA writes the registered ApplicationUri whatever the request says.
 */
export function csrAttributes(): Buffer {
  return sequence(objectIdentifier(rsaEncryption), objectIdentifier(sha256WithRsaEncryption));
}
