import { createHash, X509Certificate } from "node:crypto";
import { readdir, readFile, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { OPCUACertificateManager } from "node-opcua";
import { decodePem, encodePem } from "../../../src/ca/pem.js";
import type { TrustListContent } from "../../../src/core/issuing.js";

interface CertificateEntry {
  certificate: Buffer;
  filename: string;
}

interface CrlIndex {
  [issuerFingerprint: string]: { crls: unknown[]; serialNumbers: Record<string, unknown> };
}

/** The parts of node-opcua-pki 5.5's CertificateManager that its folder watcher maintains. */
interface PkiIndex {
  _thumbs: {
    trusted: Record<string, CertificateEntry>;
    rejected: Record<string, CertificateEntry>;
    issuers: { certs: Record<string, CertificateEntry> };
    crl: CrlIndex;
    issuersCrl: CrlIndex;
  };
  _filenameToHash: Record<string, string>;
  _on_crl_file_added(index: CrlIndex, filename: string): void;
  waitAndCheckCRLProcessingStatus(): Promise<void>;
}

type ListName = keyof TrustListContent;

const folders: Record<ListName, (manager: OPCUACertificateManager) => string> = {
  trustedCertificates: (manager) => manager.trustedFolder,
  trustedCrls: (manager) => manager.crlFolder,
  issuerCertificates: (manager) => manager.issuersCertFolder,
  issuerCrls: (manager) => manager.issuersCrlFolder,
};

export function sha1Thumbprint(der: Buffer): string {
  return createHash("sha1").update(der).digest("hex");
}

/**
 * The push target's application PKI: node-opcua's own folders (trusted, issuers, their CRLs,
 * rejected), which the channel checks read.
 *
 * Known shortcoming: node-opcua-pki 5.5 learns about files only through a polling watcher
 * that waits 2 s for files to settle and never forgets a CRL. A trust list that is to take
 * effect at ApplyChanges therefore also rebuilds the manager's in-memory index (its private
 * `_thumbs`), which ties this test target to that library version. A public reload method in
 * node-opcua-pki would remove the need.
 */
export class TargetCertificateManager extends OPCUACertificateManager {
  constructor(rootFolder: string) {
    super({ rootFolder, automaticallyAcceptUnknownCertificate: false, keySize: 2048 });
  }

  async trustList(): Promise<TrustListContent> {
    return {
      trustedCertificates: await this.readFolder(this.trustedFolder, "CERTIFICATE"),
      trustedCrls: await this.readFolder(this.crlFolder, "X509 CRL"),
      issuerCertificates: await this.readFolder(this.issuersCertFolder, "CERTIFICATE"),
      issuerCrls: await this.readFolder(this.issuersCrlFolder, "X509 CRL"),
    };
  }

  /** Certificates this server refused on a channel, oldest file order is not kept. */
  async rejectedCertificates(): Promise<Buffer[]> {
    return this.readFolder(this.rejectedFolder, "CERTIFICATE");
  }

  /** Replaces the four lists on disk and in the channel checks' index, all at once. */
  async replaceTrustList(content: TrustListContent): Promise<void> {
    await this.initialize();
    for (const list of Object.keys(folders) as ListName[]) {
      await this.replaceFolder(folders[list](this), content[list], list.endsWith("Crls"));
    }
    await this.reindex(content);
  }

  private async replaceFolder(folder: string, values: Buffer[], crl: boolean): Promise<void> {
    // File names carry the thumbprint, so a value kept across replacements keeps its file and
    // the watcher's late events for removed files never touch an entry that is still wanted.
    const wanted = new Map(values.map((der) => [`${sha1Thumbprint(der)}.pem`, der]));
    for (const name of await readdir(folder)) {
      if (!wanted.has(name)) await rm(join(folder, name), { force: true });
    }
    for (const [name, der] of wanted) {
      await writeFile(join(folder, name), encodePem(der, crl ? "X509 CRL" : "CERTIFICATE"));
    }
  }

  private async reindex(content: TrustListContent): Promise<void> {
    const pki = this as unknown as PkiIndex;
    const thumbs = pki._thumbs;
    const certificates = (folder: string, values: Buffer[]) => Object.fromEntries(values.map(
      (certificate) => {
        const fingerprint = sha1Thumbprint(certificate);
        const filename = join(folder, `${fingerprint}.pem`);
        pki._filenameToHash[filename] = fingerprint;
        return [fingerprint, { certificate, filename }];
      }));
    thumbs.trusted = certificates(this.trustedFolder, content.trustedCertificates);
    thumbs.issuers.certs = certificates(this.issuersCertFolder, content.issuerCertificates);

    // A certificate refused before its issuer became trusted is judged afresh.
    for (const [fingerprint, entry] of Object.entries(thumbs.rejected)) {
      if (!this.chainsToTrustList(entry.certificate, content)) continue;
      delete thumbs.rejected[fingerprint];
      await rm(entry.filename, { force: true });
    }

    thumbs.crl = {};
    thumbs.issuersCrl = {};
    for (const der of content.trustedCrls) {
      pki._on_crl_file_added(thumbs.crl, join(this.crlFolder, `${sha1Thumbprint(der)}.pem`));
    }
    for (const der of content.issuerCrls) {
      const filename = join(this.issuersCrlFolder, `${sha1Thumbprint(der)}.pem`);
      pki._on_crl_file_added(thumbs.issuersCrl, filename);
    }
    await pki.waitAndCheckCRLProcessingStatus();
  }

  private chainsToTrustList(certificate: Buffer, content: TrustListContent): boolean {
    const leaf = new X509Certificate(certificate);
    return [...content.trustedCertificates, ...content.issuerCertificates].some((der) => {
      const candidate = new X509Certificate(der);
      return candidate.fingerprint === leaf.fingerprint || leaf.checkIssued(candidate);
    });
  }

  private async readFolder(folder: string, label: "CERTIFICATE" | "X509 CRL"): Promise<Buffer[]> {
    const values: Buffer[] = [];
    for (const name of (await readdir(folder)).sort()) {
      const text = await readFile(join(folder, name));
      const isPem = text.includes("-----BEGIN");
      const blocks = isPem ? decodePem(text.toString("ascii"), label) : [text];
      values.push(...blocks);
    }
    return values;
  }
}
