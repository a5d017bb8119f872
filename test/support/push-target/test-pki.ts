import "reflect-metadata";
import { generateKeyPairSync } from "node:crypto";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { Name } from "@peculiar/x509";
import { issueApplicationCertificate } from "../../../src/ca/certificate-issuer.js";
import { loadCertificateProfiles } from "../../../src/ca/certificate-profile.js";
import { parseCertificationRequest } from "../../../src/ca/certification-request.js";
import { buildCrl, type RevokedCertificate } from "../../../src/ca/crl-builder.js";
import { encodePem } from "../../../src/ca/pem.js";
import { createRootCertificate } from "../../../src/ca/root-certificate.js";
import { generateSerialNumber } from "../../../src/ca/serial-number.js";
import { createSoftwareSigner, type SoftwareSigner } from "../../ca/software-signer.js";

const hourMs = 3_600_000;

/**
 * A CA on a software key for push-target tests, standing in for the GDS's: it signs the test
 * clients' certificates, the certificates pushed to targets, and CRLs.
 */
export class TestPki {
  private crlNumber = 0n;

  private constructor(readonly signer: SoftwareSigner, readonly certificate: Buffer) {}

  static async create(subject = "CN=Push Test CA, O=Security Handler Tests"): Promise<TestPki> {
    const signer = createSoftwareSigner();
    const certificate = await createRootCertificate({
      signer, subject, validityYears: 5, serialNumber: generateSerialNumber(),
      notBefore: new Date(Date.now() - hourMs),
    });
    return new TestPki(signer, certificate);
  }

  async crl(revoked: RevokedCertificate[] = []): Promise<Buffer> {
    this.crlNumber += 1n;
    const thisUpdate = new Date(Date.now() - hourMs);
    return buildCrl({
      signer: this.signer, issuerCertificateDer: this.certificate, crlNumber: this.crlNumber,
      thisUpdate, nextUpdate: new Date(thisUpdate.getTime() + 48 * hourMs), revoked,
    });
  }

  async issue(options: {
    subject: string; publicKeyInfo: Buffer; applicationUri: string; hosts?: string[];
  }): Promise<Buffer> {
    const profile = (await loadCertificateProfiles()).get("RsaSha256ApplicationCertificateType")!;
    const hosts = options.hosts ?? ["localhost", "127.0.0.1"];
    return issueApplicationCertificate({
      signer: this.signer, issuer: { certificateDer: this.certificate },
      subject: Buffer.from(new Name(options.subject).toArrayBuffer()),
      publicKeyInfo: options.publicKeyInfo, applicationUri: options.applicationUri,
      dnsNames: hosts.filter((host) => !/^[\d.]+$/.test(host)),
      ipAddresses: hosts.filter((host) => /^[\d.]+$/.test(host)),
      profile, serialNumber: generateSerialNumber(), notBefore: new Date(Date.now() - hourMs),
    });
  }

  /** Signs a target's CreateSigningRequest output for the given ApplicationUri. */
  async signRequest(csrDer: Buffer, applicationUri: string): Promise<Buffer> {
    const csr = parseCertificationRequest(csrDer);
    const profile = (await loadCertificateProfiles()).get("RsaSha256ApplicationCertificateType")!;
    return issueApplicationCertificate({
      signer: this.signer, issuer: { certificateDer: this.certificate }, subject: csr.subject,
      publicKeyInfo: csr.publicKeyInfo, applicationUri, dnsNames: csr.sanDnsNames,
      ipAddresses: csr.sanIpAddresses, profile, serialNumber: generateSerialNumber(),
      notBefore: new Date(Date.now() - hourMs),
    });
  }

  /** A client certificate and key from this CA, written as PEM files into `dir`. */
  async clientCredentials(dir: string, applicationUri: string) {
    const { privateKey, publicKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
    const certificate = await this.issue({
      subject: "CN=Push Test Client, O=Security Handler Tests", applicationUri,
      publicKeyInfo: publicKey.export({ format: "der", type: "spki" }),
    });
    const certificateFile = join(dir, "client-certificate.pem");
    const privateKeyFile = join(dir, "client-key.pem");
    await writeFile(certificateFile, encodePem(certificate, "CERTIFICATE"));
    await writeFile(privateKeyFile, privateKey.export({ format: "pem", type: "pkcs8" }));
    return { certificate, certificateFile, privateKeyFile };
  }
}
