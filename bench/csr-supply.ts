import "reflect-metadata";
import { webcrypto } from "node:crypto";
import * as x509 from "@peculiar/x509";

x509.cryptoProvider.set(webcrypto as Crypto);

const rsa = {
  name: "RSASSA-PKCS1-v1_5",
  hash: "SHA-256",
  modulusLength: 2048,
  publicExponent: new Uint8Array([1, 0, 1]),
};

/** RSA-2048 key pairs for requesters; few of them, because generating one is slow. */
export async function requesterKeys(count: number): Promise<CryptoKeyPair[]> {
  return Promise.all(
    Array.from({ length: count }, () =>
      webcrypto.subtle.generateKey(rsa, false, ["sign", "verify"]) as Promise<CryptoKeyPair>),
  );
}

/**
 * `count` distinct DER CSRs (each its own CN) cycling through `keys`, the i-th carrying
 * applicationUri(i) as its only SAN URI and host(i) as its DNS name. Made a batch at a time:
 * WebCrypto signs in the threadpool, so a batch uses every core.
 */
export async function certificationRequests(
  keys: readonly CryptoKeyPair[],
  count: number,
  applicationUri: (index: number) => string,
  host: (index: number) => string = (index) => `app${index}.bench.example`,
): Promise<Buffer[]> {
  const requests: Buffer[] = [];
  const batch = 32;
  for (let first = 0; first < count; first += batch) {
    const indexes = Array.from({ length: Math.min(batch, count - first) }, (_, i) => first + i);
    requests.push(...(await Promise.all(indexes.map(async (index) => {
      const csr = await x509.Pkcs10CertificateRequestGenerator.create({
        name: `CN=Bench Application ${index}, O=Security Handler Bench`,
        keys: keys[index % keys.length]!,
        signingAlgorithm: rsa,
        extensions: [
          new x509.SubjectAlternativeNameExtension([
            { type: "url", value: applicationUri(index) },
            { type: "dns", value: host(index) },
          ]),
        ],
      });
      return Buffer.from(csr.rawData);
    }))));
  }
  return requests;
}
