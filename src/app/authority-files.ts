import { access, mkdir, rename, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { encodePem } from "../ca/pem.js";

/**
 * Writes the CA certificate and current CRL (public material) to `DIR/ca/` so that an
 * administrator can hand them to applications and OPC UA clients before their first contact.
 * Each file is replaced atomically, so a reader never sees half a CRL.
 */
export async function writeAuthorityFiles(
  dataDir: string,
  authority: { certificate(): Buffer; crl(): Buffer },
): Promise<void> {
  const dir = join(dataDir, "ca");
  await mkdir(dir, { recursive: true, mode: 0o755 });
  const files: Array<[string, string | Buffer]> = [
    ["ca.der", authority.certificate()],
    ["ca.pem", encodePem(authority.certificate(), "CERTIFICATE")],
    ["ca.crl", authority.crl()],
    ["ca.crl.pem", encodePem(authority.crl(), "X509 CRL")],
  ];
  for (const [name, content] of files) {
    const target = join(dir, name);
    await writeFile(`${target}.tmp`, content, { mode: 0o644 });
    await rename(`${target}.tmp`, target);
  }
}

/** Whether a CA was established in this data directory: its certificate was published. */
export async function authorityFilesExist(dataDir: string): Promise<boolean> {
  return access(join(dataDir, "ca", "ca.der")).then(() => true, () => false);
}
