import { generateKeyPairSync } from "node:crypto";
import { spawn } from "node:child_process";
import { encodeDistinguishedName } from "../../src/ca/distinguished-name.js";
import { encodePem } from "../../src/ca/pem.js";
import type { IssuedCertificateRecord } from "../../src/core/records.js";
import type { RunningGds } from "../../src/app/gds.js";
import {
  defaultApplicationGroup,
  rsaSha256ApplicationCertificateType,
} from "../../src/gds/certificate-groups.js";
import type { ScratchDirectory } from "../ca/openssl.js";

/**
 * openssl as a child process that does not block the event loop: the server it talks to runs
 * in this very process. OPENSSL_CONF is dropped when node-opcua left "undefined" in it.
 */
export function opensslAsync(args: readonly string[]):
  Promise<{ status: number | null; stdout: string; stderr: string }> {
  const env = { ...process.env };
  if (env.OPENSSL_CONF === "undefined") delete env.OPENSSL_CONF;
  const child = spawn("openssl", args, { env, stdio: ["ignore", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((resolve, reject) => {
    child.on("error", reject);
    child.on("close", (status) => resolve({ status, stdout, stderr }));
  });
}

/** A certificate issued by the running GDS's CA, written as name.pem in the scratch dir. */
export async function issueTo(
  gds: RunningGds,
  scratch: ScratchDirectory,
  name: string,
): Promise<{ record: IssuedCertificateRecord; file: string; der: Buffer }> {
  const { publicKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
  const record = await gds.authority.issueDirect({
    subject: encodeDistinguishedName(`CN=${name}, O=Tests`),
    publicKeyInfo: publicKey.export({ type: "spki", format: "der" }),
    applicationUri: `urn:tests:${name}`,
    hosts: [`${name}.plant.example`],
    applicationId: `app-${name}`,
    requestId: `request-${name}`,
    certificateGroupId: defaultApplicationGroup,
    certificateTypeId: rsaSha256ApplicationCertificateType,
  });
  const der = Buffer.from(record.der, "base64");
  return { record, der, file: scratch.write(`${name}.pem`, encodePem(der, "CERTIFICATE")) };
}
