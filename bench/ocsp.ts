/**
 * OCSP throughput of our responder against `openssl ocsp -index` serving the same CA and
 * certificates, with the same load generator, on this machine, in one run; and the time to
 * build a CRL of 100,000 entries with the CA key in SoftHSM. Not a test: timings on a shared
 * machine are noisy. Run: node --import tsx bench/ocsp.ts
 * Knobs: CERTIFICATES (10000), REVOKED (1000), CONCURRENCY (16), SECONDS (10), CRL_ENTRIES.
 */
import "reflect-metadata";
import { generateKeyPairSync } from "node:crypto";
import { spawn } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Worker } from "node:worker_threads";
import { startGds } from "../src/app/gds.js";
import { caKeyLabel } from "../src/app/gds.js";
import { buildCrl } from "../src/ca/crl-builder.js";
import { encodeDistinguishedName } from "../src/ca/distinguished-name.js";
import { encodePem } from "../src/ca/pem.js";
import { loadSettings } from "../src/config/settings.js";
import { openHsm } from "../src/keys/hsm.js";
import { createLogger } from "../src/log/logger.js";
import { profiled } from "./cpu-profile.js";
import { ocspRequestFor } from "./ocsp-request-builder.js";

const certificates = Number(process.env.CERTIFICATES ?? 10_000);
const revokedCount = Number(process.env.REVOKED ?? 1000);
const concurrency = Number(process.env.CONCURRENCY ?? 16);
const seconds = Number(process.env.SECONDS ?? 10);
const crlEntries = Number(process.env.CRL_ENTRIES ?? 100_000);

export interface LoadJob {
  url: string;
  /** DER OCSP requests, one per certificate. */
  requests: Uint8Array[];
  concurrency: number;
  durationMs: number;
  /** Ask about each request once, in order, instead of at random until durationMs. */
  everySerialOnce?: boolean;
}

export interface LoadResult {
  answers: number;
  successful: number;
  failures: number;
  elapsedMs: number;
}

const dir = await mkdtemp(join(tmpdir(), "sh-bench-ocsp-"));
const log = createLogger({ level: "warn" });
const settings = await loadSettings({ dataDir: join(dir, "data"), host: "127.0.0.1",
  hostname: "127.0.0.1", port: 0, httpPort: 0, httpsPort: 0 });
const gds = await startGds(settings, log, { adminPassword: "bench password 12345" });
const { authority } = gds;

// 1. Certificates: one key pair for all (key generation is not what is measured).
const { publicKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
const publicKeyInfo = publicKey.export({ type: "spki", format: "der" });
let issuedAt = performance.now();
const serials: string[] = [];
const records: Array<{ serialNumber: string; notAfter: string }> = [];
for (let batch = 0; batch < certificates; batch += 32) {
  const size = Math.min(32, certificates - batch);
  const issued = await Promise.all(Array.from({ length: size }, (_, index) =>
    authority.issueDirect({
      subject: encodeDistinguishedName(`CN=device-${batch + index}, O=Bench`),
      publicKeyInfo, applicationUri: `urn:bench:device-${batch + index}`,
      hosts: [`device-${batch + index}.plant.example`], applicationId: `bench-${batch + index}`,
      requestId: `bench-${batch + index}`, certificateGroupId: "DefaultApplicationGroup",
      certificateTypeId: "RsaSha256ApplicationCertificateType",
    })));
  for (const record of issued) {
    serials.push(record.serialNumber);
    records.push(record);
  }
}
issuedAt = performance.now() - issuedAt;
const revokedSerials = serials.slice(0, revokedCount);
const revoked = await authority.revoke(revokedSerials, "keyCompromise", "bench");
console.log(`issued ${certificates} certificates in ${(issuedAt / 1000).toFixed(1)} s ` +
  `(${(certificates / issuedAt * 1000).toFixed(0)}/s, SoftHSM), revoked ${revoked.length}`);

// 2. The same CA, served by openssl: index.txt, and a responder key of its own (a file,
// as openssl needs) certified by our CA for OCSPSigning.
const caFile = join(dir, "ca.pem");
await writeFile(caFile, encodePem(authority.certificate(), "CERTIFICATE"));
const responderKeys = generateKeyPairSync("rsa", { modulusLength: 2048 });
const responder = await authority.issueOcspResponder(
  responderKeys.publicKey.export({ type: "spki", format: "der" }), 30);
const rsignerFile = join(dir, "rsigner.pem");
const rkeyFile = join(dir, "rkey.pem");
await writeFile(rsignerFile, encodePem(Buffer.from(responder.der, "base64"), "CERTIFICATE"));
await writeFile(rkeyFile, responderKeys.privateKey.export({ type: "pkcs8", format: "pem" }));
const revokedAt = new Map(revoked.map((record) => [record.serialNumber, record.revokedAt!]));
const indexLines = records.map((record) => {
  const expiry = opensslTime(record.notAfter);
  const revocation = revokedAt.get(record.serialNumber);
  const state = revocation ? `R\t${expiry}\t${opensslTime(revocation)},keyCompromise`
    : `V\t${expiry}\t`;
  return `${state}\t${record.serialNumber.toUpperCase()}\tunknown\t/CN=device`;
});
const indexFile = join(dir, "index.txt");
await writeFile(indexFile, indexLines.join("\n") + "\n");
await writeFile(`${indexFile}.attr`, "unique_subject = no\n");

const opensslPort = await freePort();
const env = { ...process.env };
if (env.OPENSSL_CONF === "undefined") delete env.OPENSSL_CONF;
// openssl 3.0 `ocsp -port` listens on every interface; it lives only for this run.
const opensslResponder = spawn("openssl", ["ocsp", "-index", indexFile, "-port",
  String(opensslPort), "-rsigner", rsignerFile, "-rkey", rkeyFile, "-CA", caFile, "-nmin", "60",
  "-ignore_err"], { env, stdio: ["ignore", "ignore", "pipe"] });
let opensslLog = "";
opensslResponder.stderr.on("data", (chunk: Buffer) => {
  opensslLog = (opensslLog + chunk.toString()).slice(-2000);
});
// Connecting to probe it would not do: openssl 3.0 with -ignore_err spins on a connection
// closed before a request arrived. It says when it listens.
await new Promise<void>((resolve, reject) => {
  const listening = () => {
    if (opensslLog.includes("waiting for OCSP client connections")) resolve();
  };
  opensslResponder.stderr.on("data", listening);
  opensslResponder.once("exit", () => reject(new Error(`openssl ocsp exited: ${opensslLog}`)));
});

// 3. The same requests for both: SHA-1 CertIDs, no nonce.
const requests = serials.map((serial) => ocspRequestFor(authority.certificate(), serial));
const ours = `${gds.http.httpUrl}/ocsp`;
const theirs = `http://127.0.0.1:${opensslPort}/`;

const warm = await load(ours, 600, true);
console.log(`warm-up (first question per serial, each signed in SoftHSM): ` +
  `${rate(warm)} answers/s`);
const ourResult = await profiled("ocsp-ours", () => load(ours, seconds));
const opensslResult = await load(theirs, seconds);
console.log(`our responder:   ${rate(ourResult)} answers/s ` +
  `(${ourResult.successful}/${ourResult.answers} successful, ${ourResult.failures} failures)`);
console.log(`openssl ocsp:    ${rate(opensslResult)} answers/s ` +
  `(${opensslResult.successful}/${opensslResult.answers} successful, ` +
  `${opensslResult.failures} failures)`);
const ratio = Number(rate(ourResult)) / Number(rate(opensslResult));
console.log(`ratio:           ${ratio.toFixed(1)}x`
  + ` (concurrency ${concurrency}, ${seconds} s each, ${certificates} certificates)`);
if (opensslResult.successful === 0) console.log(`openssl ocsp said: ${opensslLog}`);
opensslResponder.kill("SIGTERM");
await gds.stop();

// 4. A CRL of 100,000 entries, signed with the CA key in SoftHSM.
const hsm = await openHsm({ dataDir: settings.dataDir, ...settings.hsm, log });
const { signer } = await hsm.caSigner(caKeyLabel);
const now = new Date();
const entries = Array.from({ length: crlEntries }, (_, index) => ({
  serialNumber: (0x4000_0000_0000n + BigInt(index) * 7919n).toString(16),
  revocationDate: now, reason: index % 2 === 0 ? "keyCompromise" as const : undefined,
}));
const crlStarted = performance.now();
const crl = await buildCrl({ signer, issuerCertificateDer: authority.certificate(),
  crlNumber: 1000n, thisUpdate: now, nextUpdate: new Date(now.getTime() + 7 * 86_400_000),
  revoked: entries });
const crlMs = performance.now() - crlStarted;
await hsm.close();
const crlFile = join(dir, "big.crl");
await writeFile(crlFile, crl);
const listed = await countCrlEntries(crlFile);
console.log(`CRL with ${crlEntries} entries: built and signed in ${crlMs.toFixed(0)} ms, ` +
  `${(crl.length / 1e6).toFixed(1)} MB, openssl lists ${listed} entries`);
await rm(dir, { recursive: true, force: true });

function load(url: string, durationSeconds: number, everySerialOnce = false) {
  const job: LoadJob = { url, requests, concurrency, durationMs: durationSeconds * 1000,
    everySerialOnce };
  const worker = new Worker(new URL("./ocsp-load.mjs", import.meta.url), { workerData: job });
  return new Promise<LoadResult>((resolve, reject) => {
    worker.once("message", (result: LoadResult) => {
      void worker.terminate();
      resolve(result);
    });
    worker.once("error", reject);
  });
}

function rate(result: LoadResult): string {
  return (result.successful / result.elapsedMs * 1000).toFixed(0);
}

function opensslTime(iso: string): string {
  return iso.replace(/^\d\d(\d\d)-(\d\d)-(\d\d)T(\d\d):(\d\d):(\d\d).*$/, "$1$2$3$4$5$6Z");
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

function countCrlEntries(file: string): Promise<number> {
  const child = spawn("openssl", ["crl", "-inform", "DER", "-in", file, "-noout", "-text"],
    { env, stdio: ["ignore", "pipe", "inherit"] });
  const chunks: Buffer[] = [];
  child.stdout.on("data", (chunk: Buffer) => chunks.push(chunk));
  return new Promise((resolve) => child.on("close", () =>
    resolve(Buffer.concat(chunks).toString().split("Serial Number:").length - 1)));
}
