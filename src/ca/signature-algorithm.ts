import { nullValue, objectIdentifier, sequence } from "./der-writer.js";

export type KeyAlgorithm = "RSA" | "EC";

export type SignatureAlgorithmName =
  | "sha256WithRSAEncryption"
  | "sha384WithRSAEncryption"
  | "sha512WithRSAEncryption"
  | "ecdsaWithSHA256"
  | "ecdsaWithSHA384"
  | "ecdsaWithSHA512";

export interface SignatureAlgorithm {
  readonly name: SignatureAlgorithmName;
  readonly oid: string;
  /** Digest name as node:crypto spells it. */
  readonly hash: "sha256" | "sha384" | "sha512";
  readonly keyAlgorithm: KeyAlgorithm;
  /** The AlgorithmIdentifier, DER, as it goes into certificates and CRLs. */
  readonly identifier: Buffer;
}

function rsa(name: SignatureAlgorithmName, oid: string, hash: SignatureAlgorithm["hash"]) {
  // RFC 4055 2.1: the PKCS#1 v1.5 identifiers carry an explicit NULL parameter.
  const identifier = sequence(objectIdentifier(oid), nullValue());
  return { name, oid, hash, keyAlgorithm: "RSA", identifier } as const;
}

function ecdsa(name: SignatureAlgorithmName, oid: string, hash: SignatureAlgorithm["hash"]) {
  // RFC 5758 3.2: ECDSA identifiers have no parameters at all.
  const identifier = sequence(objectIdentifier(oid));
  return { name, oid, hash, keyAlgorithm: "EC", identifier } as const;
}

/**
 * The signature algorithms this CA verifies on requests and uses for issuing. SHA-1 and
 * RSASSA-PSS are deliberately absent: no current OPC UA certificate type asks for them.
 */
export const signatureAlgorithms: readonly SignatureAlgorithm[] = [
  rsa("sha256WithRSAEncryption", "1.2.840.113549.1.1.11", "sha256"),
  rsa("sha384WithRSAEncryption", "1.2.840.113549.1.1.12", "sha384"),
  rsa("sha512WithRSAEncryption", "1.2.840.113549.1.1.13", "sha512"),
  ecdsa("ecdsaWithSHA256", "1.2.840.10045.4.3.2", "sha256"),
  ecdsa("ecdsaWithSHA384", "1.2.840.10045.4.3.3", "sha384"),
  ecdsa("ecdsaWithSHA512", "1.2.840.10045.4.3.4", "sha512"),
];

export const signatureAlgorithmNames = signatureAlgorithms.map((algorithm) => algorithm.name);

const byOid = new Map(signatureAlgorithms.map((algorithm) => [algorithm.oid, algorithm]));
const byName = new Map(signatureAlgorithms.map((algorithm) => [algorithm.name, algorithm]));

export function signatureAlgorithmByOid(oid: string): SignatureAlgorithm | undefined {
  return byOid.get(oid);
}

export function signatureAlgorithmByName(name: SignatureAlgorithmName): SignatureAlgorithm {
  return byName.get(name)!;
}
