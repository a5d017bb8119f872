/**
 * Section 5, CRL generation with many revoked certificates, timed two ways:
 * - buildCrl alone: the DER of N entries built and signed in the token, against an empty CRL
 *   as the baseline (one signature and the fixed fields);
 * - the product's path: one more certificate revoked through CertificateAuthority.revoke with
 *   N revoked records already in the nedb store: the revocation stored, every revoked record
 *   read back (listRevoked), the CRL built and signed, the CA record with it stored; each
 *   store and signer call of it timed as it happens.
 * OpenSSL parses and verifies the large CRL against the CA certificate as a check, when present.
 */
import { execFile } from "node:child_process";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { promisify } from "node:util";
import { CertificateAuthority } from "../src/ca/authority.js";
import { loadCaProfile } from "../src/ca/ca-profile.js";
import { loadCertificateProfiles } from "../src/ca/certificate-profile.js";
import { buildCrl, type RevokedCertificate } from "../src/ca/crl-builder.js";
import { encodePem } from "../src/ca/pem.js";
import { generateSerialNumber } from "../src/ca/serial-number.js";
import { systemClock } from "../src/core/clock.js";
import type { AuthorityRecord, IssuedCertificateRecord } from "../src/core/records.js";
import type { Signer } from "../src/keys/signer.js";
import { openNedbStore } from "../src/store/nedb-store.js";
import type { GdsStore } from "../src/store/store.js";
import { LatencyProbe } from "./latency-probe.js";
import { withFreshToken } from "./raw-signing.js";
import { mebibytes } from "./report.js";
import { median } from "./rounds.js";
import type { SectionContext } from "./section-context.js";

const run = promisify(execFile);
const dayMs = 86_400_000;
const reasons = ["keyCompromise", "superseded", "cessationOfOperation", "unspecified"] as const;

export async function crlSection(context: SectionContext): Promise<void> {
  const { report, counts, log } = context;
  const count = counts.revokedEntries;
  report.section("crl", `5. CRL with ${count} revoked entries (signed in SoftHSM)`);
  await withFreshToken(log, async (_hsm, signer, dataDir) => {
    const store = await openNedbStore(join(dataDir, "store"));
    try {
      const probe = new LatencyProbe();
      const authority = await CertificateAuthority.open({
        signer: probe.signer(signer), keyLabel: "ca", store: probedStore(probe, store),
        clock: systemClock, log,
        caProfile: await loadCaProfile(), profiles: await loadCertificateProfiles(),
      });
      const now = new Date();
      const revoked: RevokedCertificate[] = Array.from({ length: count }, (_, n) => ({
        serialNumber: generateSerialNumber(),
        revocationDate: new Date(now.getTime() - n * 1000),
        reason: reasons[n % reasons.length],
      }));

      context.progress("buildCrl");
      const build = (entries: readonly RevokedCertificate[]) => buildCrl({
        signer, issuerCertificateDer: authority.certificate(), crlNumber: 2n,
        thisUpdate: now, nextUpdate: new Date(now.getTime() + 7 * dayMs), revoked: entries,
      });
      const empty = await timed(counts.rounds + 2, () => build([]));
      const full = await timed(counts.rounds, () => build(revoked));
      report.figure("emptyCrlMs", "buildCrl, no entries (baseline: one signature)",
        empty.ms, "ms");
      report.figure("buildCrlMs", `buildCrl, ${count} entries`, full.ms, "ms");
      report.ratio("buildToEmpty", "  with entries / empty", full.ms, empty.ms);
      report.figure("microsPerEntry", "  per entry, beyond the empty CRL",
        (full.ms - empty.ms) * 1000 / count, "us");
      report.figure("crlMiB", "  CRL size", mebibytes(full.der.length), "MiB",
        `${full.der.length} bytes, ${(full.der.length / count).toFixed(1)} bytes/entry`);
      await opensslCheck(context, dataDir, authority.certificate(), full.der);

      context.progress(`storing ${count} revoked certificate records in nedb`);
      const started = performance.now();
      await fillRevoked(store, revoked, authority.certificate(), now);
      report.figure("fillSeconds", "storing the revoked records (not the product's path)",
        (performance.now() - started) / 1000, "s");

      context.progress("revoking one more through CertificateAuthority.revoke");
      const last = await newRecord(store, authority.certificate(), now);
      probe.start();
      const revokeStarted = performance.now();
      await authority.revoke([last], "keyCompromise", "bench");
      const revokeMs = performance.now() - revokeStarted;
      const calls = probe.means();
      report.figure("revokeMs", `revoke one more with ${count} revoked (publishes a CRL)`,
        revokeMs, "ms", `CRL of ${authority.crl().length} bytes`);
      report.ratio("revokeToBuild", "  revoke / buildCrl alone", revokeMs, full.ms);

      // Each of these is called once by revoke(); what is left is building the CRL's DER.
      let accounted = 0;
      for (const [call, ms] of Object.entries(calls)) {
        accounted += ms;
        report.figure(`revokeMs.${call}`, `  of which ${call}`, ms, "ms");
      }
      report.figure("revokeMs.rest", "  of which the rest (filtering, building the DER)",
        revokeMs - accounted, "ms");
    } finally {
      await store.close();
    }
  });
}

async function timed(rounds: number, build: () => Promise<Buffer>) {
  const times: number[] = [];
  let der: Buffer = await build(); // warm-up: the first call also compiles the code paths
  for (let n = 0; n < rounds; n++) {
    const started = performance.now();
    der = await build();
    times.push(performance.now() - started);
  }
  return { ms: median(times), der };
}

/** `openssl crl -CAfile`: parses the whole CRL and checks its signature. */
async function opensslCheck(
  context: SectionContext,
  dataDir: string,
  caDer: Buffer,
  crlDer: Buffer,
): Promise<void> {
  const caFile = join(dataDir, "ca.pem");
  const crlFile = join(dataDir, "large.crl");
  await writeFile(caFile, encodePem(caDer, "CERTIFICATE"));
  await writeFile(crlFile, crlDer);
  const env = { ...process.env };
  delete env.OPENSSL_CONF; // node-opcua sets it to "undefined", which openssl cannot read
  const started = performance.now();
  try {
    const args = ["crl", "-inform", "DER", "-in", crlFile, "-CAfile", caFile, "-noout"];
    const { stderr, stdout } = await run("openssl", args, { env });
    const verdict = `${stdout}${stderr}`.trim().replace(/\s+/g, " ");
    context.report.figure("opensslVerifyMs", "  openssl crl -CAfile: parse and verify",
      performance.now() - started, "ms", verdict);
    context.report.text("opensslVerdict", verdict);
  } catch (error) {
    context.report.note(`openssl crl check failed or openssl missing: ${(error as Error).message}`);
  }
}

async function fillRevoked(
  store: GdsStore,
  revoked: readonly RevokedCertificate[],
  der: Buffer,
  now: Date,
): Promise<void> {
  let next = 0;
  const worker = async () => {
    for (let n = next++; n < revoked.length; n = next++) {
      const entry = revoked[n]!;
      await store.certificates.insert({
        ...record(entry.serialNumber, der, now, `${n}`),
        revokedAt: entry.revocationDate.toISOString(),
        revocationReason: String(entry.reason),
        revokedBy: "bench",
      });
    }
  };
  await Promise.all(Array.from({ length: 64 }, worker));
}

async function newRecord(store: GdsStore, der: Buffer, now: Date): Promise<string> {
  const serialNumber = generateSerialNumber();
  await store.certificates.insert(record(serialNumber, der, now, "last"));
  return serialNumber;
}

/** A stored certificate record; its DER is the CA's own, only its size matters here. */
function record(serialNumber: string, der: Buffer, now: Date, n: string): IssuedCertificateRecord {
  return {
    serialNumber,
    thumbprint: serialNumber.slice(0, 40).toUpperCase().padEnd(40, "0"),
    applicationId: `00000000-0000-4000-8000-${n.padStart(12, "0").slice(-12)}`,
    requestId: `bench-${n}`,
    certificateGroupId: "DefaultApplicationGroup",
    certificateTypeId: "RsaSha256ApplicationCertificateType",
    subject: `CN=Bench Application ${n}`,
    notBefore: now.toISOString(),
    notAfter: new Date(now.getTime() + 365 * dayMs).toISOString(),
    authorityKeyId: "00",
    der: der.toString("base64"),
    issuedAt: now.toISOString(),
  };
}

/** The store with the calls revoke() makes timed by `probe`. */
function probedStore(probe: LatencyProbe, store: GdsStore): GdsStore {
  const { certificates, authorities } = store;
  return {
    ...store,
    certificates: {
      ...certificates,
      getBySerial: probe.wrap("certificates.getBySerial", (serial: string) =>
        certificates.getBySerial(serial)),
      replace: probe.wrap("certificates.replace", (record: IssuedCertificateRecord) =>
        certificates.replace(record)),
      listRevoked: probe.wrap("certificates.listRevoked", () => certificates.listRevoked()),
    },
    authorities: {
      ...authorities,
      put: probe.wrap("authorities.put (CA record, CRL)", (record: AuthorityRecord) =>
        authorities.put(record)),
    },
  };
}
