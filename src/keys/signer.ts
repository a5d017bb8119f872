/**
 * What the CA core needs of a key: its public half and signatures. Implemented by the PKCS#11
 * signer (production) and the software signer (tests and contract checks); the private key of
 * the PKCS#11 signer never leaves the token.
 */
export interface Signer {
  /** The key's SubjectPublicKeyInfo, DER. */
  readonly publicKeyInfo: Buffer;
  /** Signature algorithm of sign(), as an OID (sha256WithRSAEncryption: 1.2.840.113549.1.1.11). */
  readonly signatureAlgorithm: string;
  /** Signs data (hashing included) and resolves to the raw signature value. */
  sign(data: Uint8Array): Promise<Buffer>;
}

export const sha256WithRSAEncryption = "1.2.840.113549.1.1.11";
