/**
 * Signing rate of a SoftHSM RSA-2048 key: sequential synchronous C_Sign against the pooled
 * asynchronous signer at several pool sizes, with the event loop delay seen meanwhile. Each
 * figure is the median of five rounds. Not a test (no timing assertions anywhere); run it by hand:
 *
 *   npx tsx test/keys/measure-signing-rate.ts [signatures per round, default 2000]
 */
import { randomBytes } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { monitorEventLoopDelay } from "node:perf_hooks";
import { createLogger } from "../../src/log/logger.js";
import { openHsm } from "../../src/keys/hsm.js";
import type { Signer } from "../../src/keys/signer.js";

const count = Number(process.argv[2] ?? 2000);
const rounds = 5;
const data = randomBytes(1024); // about the size of a certificate's tbsCertificate
const log = createLogger({ level: "warn" });
const dataDir = await mkdtemp(join(tmpdir(), "sh-measure-"));

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

async function perSecond(round: () => Promise<void> | void): Promise<number> {
  const rates: number[] = [];
  for (let i = 0; i < rounds; i++) {
    const started = process.hrtime.bigint();
    await round();
    rates.push(count / (Number(process.hrtime.bigint() - started) / 1e9));
  }
  return Math.round(median(rates));
}

/** Keeps twice the pool size of sign() calls outstanding until count signatures are done. */
async function pooledRound(signer: Signer, sessions: number): Promise<void> {
  let next = 0;
  const caller = async () => {
    while (next++ < count) await signer.sign(data);
  };
  await Promise.all(Array.from({ length: sessions * 2 }, caller));
}

try {
  const first = await openHsm({ dataDir, sessions: 1, log });
  await first.caSigner("ca", 2048);
  const raw = await first.rawSigningHandle("ca");
  const output = Buffer.alloc(raw.signatureLength);
  const syncRate = await perSecond(() => {
    for (let i = 0; i < count; i++) {
      raw.pkcs11.C_SignInit(raw.session, raw.mechanism, raw.privateKey);
      raw.pkcs11.C_Sign(raw.session, data, output);
    }
  });
  console.log(`sync sequential C_Sign: ${syncRate}/s (blocks the event loop throughout)`);
  await first.close();

  for (const sessions of [1, 2, 4, 8]) {
    const hsm = await openHsm({ dataDir, sessions, log });
    const { signer } = await hsm.caSigner("ca");
    const delay = monitorEventLoopDelay({ resolution: 1 });
    delay.enable();
    const rate = await perSecond(() => pooledRound(signer, sessions));
    delay.disable();
    const p99 = (delay.percentile(99) / 1e6).toFixed(1);
    console.log(`pooled async, ${sessions} session(s): ${rate}/s, event loop p99 ${p99} ms`);
    await hsm.close();
  }
} finally {
  await rm(dataDir, { recursive: true, force: true });
}
