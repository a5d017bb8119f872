import { randomBytes } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openHsm, type Hsm } from "../src/keys/hsm.js";
import { defaultSessions } from "../src/keys/pkcs11-token.js";
import type { Signer } from "../src/keys/signer.js";
import type { Logger } from "../src/log/logger.js";
import { opensslRsa2048SignsPerSecond } from "./openssl-speed.js";
import { inFlight, measureRate, type Rate } from "./rounds.js";
import type { SectionContext } from "./section-context.js";

// About the size of an application certificate's tbsCertificate.
const data = randomBytes(1000);

/**
 * A fresh SoftHSM token in a temporary folder, with the CA key generated in it; signing on
 * `signingThreads` threads, or the product's default.
 */
export async function withFreshToken<T>(
  log: Logger,
  use: (hsm: Hsm, signer: Signer, dataDir: string) => Promise<T>,
  signingThreads?: number,
): Promise<T> {
  const dataDir = await mkdtemp(join(tmpdir(), "sh-bench-token-"));
  try {
    const hsm = await openHsm({ dataDir, sessions: defaultSessions, signingThreads, log });
    try {
      const { signer } = await hsm.caSigner("ca", 2048);
      return await use(hsm, signer, dataDir);
    } finally {
      await hsm.close();
    }
  } finally {
    await rm(dataDir, { recursive: true, force: true });
  }
}

/** C_SignInit + C_Sign in a loop on one session: blocks the event loop, one core. */
export async function blockingSigning(hsm: Hsm, count: number, rounds: number): Promise<Rate> {
  const raw = await hsm.rawSigningHandle("ca");
  const output = Buffer.alloc(raw.signatureLength);
  const sign = (times: number) => {
    for (let i = 0; i < times; i++) {
      raw.pkcs11.C_SignInit(raw.session, raw.mechanism, raw.privateKey);
      raw.pkcs11.C_Sign(raw.session, data, output);
    }
  };
  sign(Math.ceil(count / 10));
  return measureRate(count, rounds, () => sign(count));
}

/** The product's Signer with as many callers as the pool has sessions (libuv threadpool). */
export async function pooledSigning(signer: Signer, count: number, rounds: number): Promise<Rate> {
  const sign = (times: number) => inFlight(times, defaultSessions, () => signer.sign(data));
  await sign(Math.ceil(count / 10));
  return measureRate(count, rounds, () => sign(count));
}

/** Section 1: raw RSA-2048 signatures of the token, blocking and pooled, and OpenSSL's. */
export async function rawSection(context: SectionContext): Promise<void> {
  const { report, counts } = context;
  report.section("raw", "1. Raw RSA-2048 signatures (fresh SoftHSM token)");
  context.progress("raw signing");
  const { blocking, pooled } = await withFreshToken(context.log, async (hsm, signer) => ({
    blocking: await blockingSigning(hsm, counts.rawSignatures, counts.rounds),
    pooled: await pooledSigning(signer, counts.rawSignatures, counts.rounds),
  }));
  context.pooledSigning = pooled.median;
  context.blockingSigning = blocking.median;

  report.figure("blockingPerSecond", "one blocking session, C_SignInit + C_Sign",
    blocking.median, "sign/s", rounds(blocking));
  report.figure("pooledPerSecond", `pooled async Signer.sign, ${defaultSessions} in flight`,
    pooled.median, "sign/s", rounds(pooled));
  report.ratio("pooledToBlocking", "pooled / blocking", pooled.median, blocking.median);
  report.figure("pooledCpuMs", "  CPU of this process per pooled signature", pooled.cpuMs, "ms");

  context.progress("openssl speed");
  const openssl = await opensslRsa2048SignsPerSecond(counts.opensslSeconds);
  if (openssl === undefined) {
    report.note("openssl speed: openssl not found or its output not understood");
    return;
  }
  report.figure("opensslPerSecond", `openssl speed -seconds ${counts.opensslSeconds} rsa2048`,
    openssl, "sign/s", "one core, outside reference");
  report.ratio("blockingToOpenssl", "one blocking session / openssl", blocking.median, openssl);
}

/** The pooled rate of this run, measured on a fresh token when the raw section did not run. */
export async function pooledBaseline(context: SectionContext): Promise<number> {
  if (context.pooledSigning === undefined) {
    context.progress("pooled signing baseline");
    const { counts } = context;
    const rate = await withFreshToken(context.log,
      (_hsm, signer) => pooledSigning(signer, counts.rawSignatures, counts.rounds));
    context.pooledSigning = rate.median;
    context.report.figure("pooledBaselinePerSecond", "baseline: pooled Signer.sign",
      rate.median, "sign/s", "fresh token, measured for the ratios below");
  }
  return context.pooledSigning;
}

export function rounds(rate: Rate): string {
  return rate.rounds.length < 2 ? "" : `rounds ${rate.rounds.map((r) => r.toFixed(0)).join(" / ")}`;
}
