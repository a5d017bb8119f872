/**
 * Measures what the CA core costs beyond the signature (not a test: timing on a shared
 * machine is too noisy to assert). Run: npx tsx test/ca/measure-issuing.ts
 *
 * Overhead per certificate = parseCertificationRequest (with signature verification) +
 * checkCertificationRequest + issueApplicationCertificate, timed with a signer that returns a
 * fixed signature at once. The same pipeline with a real node:crypto signer and the bare
 * signer are timed too, to show the issuing rate as a fraction of the signing rate.
 */
import { performance } from "node:perf_hooks";
import { loadCertificateProfiles } from "../../src/ca/certificate-profile.js";
import { issueApplicationCertificate } from "../../src/ca/certificate-issuer.js";
import { checkCertificationRequest } from "../../src/ca/certification-request-check.js";
import { parseCertificationRequest } from "../../src/ca/certification-request.js";
import { buildCrl } from "../../src/ca/crl-builder.js";
import { generateSerialNumber } from "../../src/ca/serial-number.js";
import type { Signer } from "../../src/keys/signer.js";
import { opensslRequest, ScratchDirectory } from "./openssl.js";
import { createTestCa } from "./test-ca.js";

const applicationUri = "urn:example:security-handler:measure";
const rounds = Number(process.env.ROUNDS ?? 3000);

const scratch = new ScratchDirectory();
const ca = await createTestCa(scratch);
const profile = (await loadCertificateProfiles()).get("RsaSha256ApplicationCertificateType")!;
const request = opensslRequest(scratch, {
  subject: "/CN=Measured App/O=Tests",
  subjectAltName: `URI:${applicationUri},DNS:measured.example,IP:192.0.2.9`,
});

// Same key and algorithm as the CA signer, but signing costs nothing.
const fixedSignature = await ca.signer.sign(Buffer.from("x"));
const freeSigner: Signer = {
  publicKeyInfo: ca.signer.publicKeyInfo,
  signatureAlgorithm: ca.signer.signatureAlgorithm,
  sign: async () => fixedSignature,
};

const timings = { parse: 0, check: 0, issue: 0 };

async function issueOne(signer: Signer, timed: boolean): Promise<Buffer> {
  const t0 = performance.now();
  const csr = parseCertificationRequest(request);
  const t1 = performance.now();
  checkCertificationRequest(csr, { applicationUri, profile });
  const t2 = performance.now();
  const certificate = await issueApplicationCertificate({
    signer,
    issuer: { certificateDer: ca.certificateDer },
    subject: csr.subject,
    publicKeyInfo: csr.publicKeyInfo,
    applicationUri,
    dnsNames: csr.sanDnsNames,
    ipAddresses: csr.sanIpAddresses,
    profile,
    serialNumber: generateSerialNumber(),
    notBefore: new Date(),
  });
  if (timed) {
    timings.parse += t1 - t0;
    timings.check += t2 - t1;
    timings.issue += performance.now() - t2;
  }
  return certificate;
}

async function perOperation(count: number, operation: () => Promise<unknown>): Promise<number> {
  const start = performance.now();
  for (let index = 0; index < count; index += 1) await operation();
  return (performance.now() - start) / count;
}

// Warm-up: JIT, the issuer cache, OpenSSL's lazy initialisation.
for (let index = 0; index < 300; index += 1) await issueOne(freeSigner, false);

const overhead = await perOperation(rounds, () => issueOne(freeSigner, true));
const tbsSized = Buffer.alloc(900, 1);
const signOnly = await perOperation(rounds / 3, () => ca.signer.sign(tbsSized));
const endToEnd = await perOperation(rounds / 3, () => issueOne(ca.signer, false));

const ms = (value: number) => `${value.toFixed(3)} ms`;
console.log(`rounds: ${rounds}`);
console.log(`overhead per certificate (no signature): ${ms(overhead)}`);
console.log(`  parse + verify CSR: ${ms(timings.parse / rounds)}`);
console.log(`  check CSR:          ${ms(timings.check / rounds)}`);
console.log(`  build certificate:  ${ms(timings.issue / rounds)}`);
console.log(`node:crypto RSA-2048 signature alone: ${ms(signOnly)}`);
console.log(`issue with that signature: ${ms(endToEnd)}`);
console.log(`issuing rate / signing rate: ${(signOnly / endToEnd).toFixed(3)}`);
for (const hsm of [1.7, 2.0]) {
  console.log(`  with a ${hsm} ms HSM signature: ${(hsm / (hsm + overhead)).toFixed(3)}`);
}

// CRL of 100,000 entries: encoding alone, then with the real signature over ~4 MB.
const revoked = Array.from({ length: 100_000 }, (_, index) => ({
  serialNumber: generateSerialNumber(),
  revocationDate: new Date(Date.now() - index * 1000),
  reason: index % 3 === 0 ? ("keyCompromise" as const) : undefined,
}));
for (const [label, signer] of [
  ["encoding only", freeSigner],
  ["with signature", ca.signer],
] as const) {
  const start = performance.now();
  const crl = await buildCrl({
    signer,
    issuerCertificateDer: ca.certificateDer,
    crlNumber: 1n,
    thisUpdate: new Date(),
    nextUpdate: new Date(Date.now() + 7 * 86_400_000),
    revoked,
  });
  const elapsed = performance.now() - start;
  console.log(`CRL of 100,000 entries, ${label}: ${ms(elapsed)} (${crl.length} octets)`);
}

scratch.remove();
