import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { CertificateAuthority } from "../src/ca/authority.js";
import { loadCaProfile } from "../src/ca/ca-profile.js";
import { loadCertificateProfiles } from "../src/ca/certificate-profile.js";
import { systemClock } from "../src/core/clock.js";
import type { Signer } from "../src/keys/signer.js";
import type { Logger } from "../src/log/logger.js";
import { openNedbStore } from "../src/store/nedb-store.js";
import type { GdsStore } from "../src/store/store.js";
import { profiled } from "./cpu-profile.js";
import { certificationRequests, requesterKeys } from "./csr-supply.js";
import { LatencyProbe } from "./latency-probe.js";
import { measureIssuancePhases, type IssuancePhases } from "./issuance-phases.js";
import { application, issue } from "./issuing-path.js";
import { pooledSigning, rounds as roundsText, withFreshToken } from "./raw-signing.js";
import { inFlight, measureRate, median, type Rate } from "./rounds.js";
import type { SectionContext } from "./section-context.js";

export interface IssuanceOptions {
  signer: Signer;
  dataDir: string;
  log: Logger;
  count: number;
  rounds: number;
  warmup: number;
  concurrency: number;
  /** Sequential issuances with a free signer for the per-step breakdown. */
  phaseCount: number;
}

export interface IssuanceResult {
  rate: Rate;
  /** The same with four times as many in flight: the store's waits overlap the signatures. */
  wideRate: Rate;
  /** Event loop utilisation during the timed rounds (median), 1 = main thread saturated. */
  eventLoopUtilisation: number;
  /** Mean ms per call during the timed rounds (LatencyProbe). */
  latency: Record<string, number>;
  /** Certificates/s of the whole issuing path with a signer that costs nothing. */
  freeSignerRate: Rate;
  freeSignerLatency: Record<string, number>;
  phases: IssuancePhases;
}

/** A CA on `store` signing with `signer`, with the shipped CA settings and profiles. */
async function authorityOn(store: GdsStore, signer: Signer, log: Logger) {
  return CertificateAuthority.open({
    signer, keyLabel: "ca", store, clock: systemClock, log,
    caProfile: await loadCaProfile(), profiles: await loadCertificateProfiles(),
  });
}

/** Distinct requests for the benchmark's application, made before anything is timed. */
async function requestsFor(total: number): Promise<Buffer[]> {
  // A few keys are enough: the CA does not look for a key used twice, and every RSA key pair
  // generated here costs a core for a while.
  return certificationRequests(await requesterKeys(4), total, () => application.applicationUri);
}

/** CSR in, certificate signed in the HSM and stored in nedb out, `concurrency` in flight. */
export async function measureIssuance(options: IssuanceOptions): Promise<IssuanceResult> {
  const { signer, log, count, rounds, warmup, concurrency } = options;
  const store = await openNedbStore(join(options.dataDir, "store"));
  const profiles = await loadCertificateProfiles();
  const probe = new LatencyProbe();
  const open = (withSigner: Signer) =>
    authorityOn(probe.store(store), probe.signer(withSigner), log);
  const authority = await open(signer);
  const timedIssue = probe.wrap("whole issuance", issue);

  const csrs = await requestsFor(warmup + 2 * rounds * count + options.phaseCount);
  let used = 0;

  await inFlight(warmup, concurrency, () => issue(authority, csrs[used++]!));
  const utilisation: number[] = [];
  probe.start();
  const rate = await profiled("issuance", () => measureRate(count, rounds, async () => {
    const before = performance.eventLoopUtilization();
    await inFlight(count, concurrency, () => timedIssue(authority, csrs[used++]!));
    utilisation.push(performance.eventLoopUtilization(before).utilization);
  }));
  const latency = probe.means();
  const wideRate = await measureRate(count, rounds, () =>
    inFlight(count, 4 * concurrency, () => issue(authority, csrs[used++]!)));

  // The same path with signing made free shows what everything but the signature costs.
  // Requests are reused here: nothing ties a CSR to one certificate.
  const free = await freeSigner(signer);
  const freeAuthority = await open(free);
  probe.start();
  const freeSignerRate = await profiled("issuance-free-signer", () =>
    measureRate(count, rounds, () => {
      let next = warmup;
      return inFlight(count, concurrency, () => timedIssue(freeAuthority, csrs[next++]!));
    }));
  const freeSignerLatency = probe.means();
  const phases = await measureIssuancePhases({
    csrs: csrs.slice(csrs.length - options.phaseCount), signer: free, authority: freeAuthority,
    store, profile: profiles.get(application.certificateTypeId)!,
  });

  await store.close();
  return {
    rate, wideRate, eventLoopUtilisation: median(utilisation), latency,
    freeSignerRate, freeSignerLatency, phases,
  };
}

/**
 * Issuance at each of `concurrencies` on a fresh store, and the raw rate of the same signer:
 * with a token limited to one signing thread, both sides have the same signing capacity.
 */
async function measureRatesAgainstSigner(
  signer: Signer, dataDir: string, log: Logger, counts: SectionContext["counts"],
  concurrencies: readonly number[],
): Promise<{ raw: Rate; issued: Rate[] }> {
  const raw = await pooledSigning(signer, counts.rawSignatures, counts.rounds);
  const store = await openNedbStore(join(dataDir, "store"));
  const authority = await authorityOn(store, signer, log);
  const warmup = Math.ceil(counts.issuances / 8);
  const csrs = await requestsFor(warmup + concurrencies.length * counts.rounds * counts.issuances);
  let used = 0;
  await inFlight(warmup, concurrencies[0]!, () => issue(authority, csrs[used++]!));
  const issued: Rate[] = [];
  for (const concurrency of concurrencies) {
    issued.push(await measureRate(counts.issuances, counts.rounds, () =>
      inFlight(counts.issuances, concurrency, () => issue(authority, csrs[used++]!))));
  }
  await store.close();
  return { raw, issued };
}

/** The CA's key and algorithm, answering at once with one real signature made beforehand. */
async function freeSigner(signer: Signer): Promise<Signer> {
  const signature = await signer.sign(Buffer.from("any"));
  return {
    publicKeyInfo: signer.publicKeyInfo,
    signatureAlgorithm: signer.signatureAlgorithm,
    sign: async () => signature,
  };
}

/**
 * Section 2: CSR bytes in, certificate out (checked, built, signed in the token, stored in
 * nedb), `issuanceConcurrency` in flight, against the pooled signing rate of the same token.
 */
export async function issueSection(context: SectionContext): Promise<void> {
  const { report, counts } = context;
  report.section("issue", "2. In-process issuance (CSR -> checked -> signed in SoftHSM -> nedb)");
  const result = await withFreshToken(context.log, async (_hsm, signer, dataDir) => {
    if (context.pooledSigning === undefined) {
      context.progress("pooled signing baseline");
      const pooled = await pooledSigning(signer, counts.rawSignatures, counts.rounds);
      context.pooledSigning = pooled.median;
      report.figure("pooledBaselinePerSecond", "baseline: pooled Signer.sign", pooled.median,
        "sign/s", "same token, measured for the ratio");
    }
    context.progress("issuance (making CSRs first)");
    const measured = await measureIssuance({
      signer, dataDir, log: context.log, count: counts.issuances, rounds: counts.rounds,
      warmup: Math.ceil(counts.issuances / 8), concurrency: counts.issuanceConcurrency,
      phaseCount: counts.phaseIssuances,
    });
    return { ...measured, signAloneMicros: await signAloneMicros(signer, 100) };
  });
  const concurrencies = [counts.issuanceConcurrency, 4 * counts.issuanceConcurrency];
  context.progress("issuance with one signing thread");
  const oneThread = await withFreshToken(context.log, (_hsm, signer, dataDir) =>
    measureRatesAgainstSigner(signer, dataDir, context.log, counts, concurrencies), 1);

  const concurrency = counts.issuanceConcurrency;
  report.figure("certificatesPerSecond", `certificates issued, ${concurrency} in flight`,
    result.rate.median, "cert/s", roundsText(result.rate));
  report.ratio("toPooledSigning", "issued / raw pooled signing", result.rate.median,
    context.pooledSigning!, "both cores sign there; here the CA shares them");
  if (context.blockingSigning !== undefined) {
    report.ratio("toBlockingSigning", "issued / raw blocking signing", result.rate.median,
      context.blockingSigning);
  }
  report.figure("cpuMsPerCertificate", "  CPU of this process per certificate",
    result.rate.cpuMs, "ms");
  report.figure("eventLoopUtilisation", "  event loop utilisation while issuing",
    result.eventLoopUtilisation, "");
  report.figure("widePerSecond", `certificates issued, ${4 * concurrency} in flight`,
    result.wideRate.median, "cert/s", roundsText(result.wideRate));
  report.ratio("wideToPooledSigning", "  / raw pooled signing", result.wideRate.median,
    context.pooledSigning!);
  if (context.blockingSigning !== undefined) {
    report.ratio("wideToBlockingSigning", "  / raw blocking signing", result.wideRate.median,
      context.blockingSigning);
  }
  report.figure("freeSignerPerSecond", "same path, signer answering at once (ceiling)",
    result.freeSignerRate.median, "cert/s", roundsText(result.freeSignerRate));
  report.ratio("freeSignerToPooledSigning", "  ceiling / raw pooled signing",
    result.freeSignerRate.median, context.pooledSigning!);

  report.note("the token given one signing thread, so that the CA's own work has a core:");
  report.figure("oneThread.signPerSecond", "  raw pooled Signer.sign, one signing thread",
    oneThread.raw.median, "sign/s", roundsText(oneThread.raw));
  for (const [index, rate] of oneThread.issued.entries()) {
    const inFlightCount = concurrencies[index]!;
    report.figure(`oneThread.certificatesPerSecond.${inFlightCount}`,
      `  certificates issued, ${inFlightCount} in flight`, rate.median, "cert/s",
      roundsText(rate));
    report.ratio(`oneThread.toSigning.${inFlightCount}`, "    / raw signing, one thread",
      rate.median, oneThread.raw.median, "same signing capacity on both sides");
  }

  report.note(`mean wall ms per call with ${concurrency} in flight (queues included):`);
  for (const [call, ms] of Object.entries(result.latency)) {
    report.figure(`latencyMs.${call}`, `  ${call}`, ms, "ms");
  }
  const whole = result.latency["whole issuance"];
  const insert = result.latency["store certificates.insert"];
  const sign = result.latency["signer.sign"];
  if (whole && insert && sign) {
    report.ratio("insertShare", "  share of an issuance spent in the store insert", insert, whole,
      "nedb queues writes one at a time");
    report.ratio("signShare", "  share spent in signer.sign", sign, whole);
  }
  const freeInsert = result.freeSignerLatency["store certificates.insert"];
  if (freeInsert) {
    report.figure("latencyMs.insertSignerFree", "  store certificates.insert, signer free",
      freeInsert, "ms", "no signature under way");
  }
  report.note("phases, one certificate at a time, signer free (microseconds):");
  for (const [phase, micros] of Object.entries(result.phases)) {
    report.figure(`phaseMicros.${phase.trim()}`, `  ${phase}`, micros, "us");
  }
  report.figure("phaseMicros.sign", "signer.sign in SoftHSM, awaited alone",
    result.signAloneMicros, "us");
}

async function signAloneMicros(signer: Signer, count: number): Promise<number> {
  const data = Buffer.alloc(1000, 1);
  const started = performance.now();
  for (let n = 0; n < count; n++) await signer.sign(data);
  return (performance.now() - started) * 1000 / count;
}
