import "reflect-metadata";
import { createPublicKey, generateKeyPair, type KeyObject, webcrypto } from "node:crypto";
import { promisify } from "node:util";
import * as x509 from "@peculiar/x509";

const rsa = { name: "RSASSA-PKCS1-v1_5", hash: "SHA-256" } as const;

export interface SigningRequestInput {
  /** X.500 name as text ("CN=a, O=b"); empty keeps the current certificate's subject. */
  subjectName: string;
  currentCertificate: Buffer;
  privateKey: KeyObject;
  applicationUri: string;
  dnsNames: string[];
  ipAddresses: string[];
}

export function newPrivateKey(): Promise<KeyObject> {
  return promisify(generateKeyPair)("rsa", { modulusLength: 2048 })
    .then((pair) => pair.privateKey);
}

export function publicKeyInfoOf(privateKey: KeyObject): Buffer {
  return createPublicKey(privateKey).export({ format: "der", type: "spki" });
}

/** A PKCS#10 request for this application: its ApplicationUri, host names and addresses. */
export async function createSigningRequest(input: SigningRequestInput): Promise<Buffer> {
  const subject = input.subjectName.trim() === ""
    ? new x509.X509Certificate(new Uint8Array(input.currentCertificate)).subject
    : new x509.Name(input.subjectName).toString();
  const keys = {
    privateKey: await webcrypto.subtle.importKey("pkcs8",
      input.privateKey.export({ format: "der", type: "pkcs8" }), rsa, false, ["sign"]),
    publicKey: await webcrypto.subtle.importKey("spki",
      publicKeyInfoOf(input.privateKey), rsa, true, ["verify"]),
  };
  const names = [
    { type: "url" as const, value: input.applicationUri },
    ...input.dnsNames.map((value) => ({ type: "dns" as const, value })),
    ...input.ipAddresses.map((value) => ({ type: "ip" as const, value })),
  ];
  const request = await x509.Pkcs10CertificateRequestGenerator.create({
    name: subject,
    keys,
    signingAlgorithm: rsa,
    extensions: [new x509.SubjectAlternativeNameExtension(names)],
  }, webcrypto as unknown as Crypto);
  return Buffer.from(request.rawData);
}
