import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { AuditLog } from "../../src/audit/audit-log.js";
import { auditFiles } from "../../src/audit/audit-files.js";
import { recordHash, sealedBytes, type AuditRecord } from "../../src/audit/audit-record.js";
import { ManualClock } from "../../src/core/clock.js";
import type { Signer } from "../../src/keys/signer.js";
import { createLogger } from "../../src/log/logger.js";

export const silentLog = createLogger({ level: "silent" });

export const startTime = new Date("2025-03-01T12:00:00.000Z");

/** A fresh directory under os.tmpdir(); remove() deletes it and everything in it. */
export async function tempDirectory(): Promise<{ path: string; remove(): Promise<void> }> {
  const path = await mkdtemp(join(tmpdir(), "sh-audit-"));
  return { path, remove: () => rm(path, { recursive: true, force: true }) };
}

export function openLog(directory: string, signer: Signer, clock = new ManualClock(startTime)) {
  return AuditLog.open({ directory, signer, clock, log: silentLog });
}

/** A trail of `count` records, each one second after the one before. */
export async function writeTrail(directory: string, signer: Signer, count: number) {
  const clock = new ManualClock(startTime);
  const log = await openLog(directory, signer, clock);
  for (let n = 1; n <= count; n += 1) {
    await log.append({
      action: "certificate.issued",
      actor: "admin",
      details: { requestId: `request-${n}`, serialNumber: `0${n}`, revoked: false },
    });
    clock.advance(1000);
  }
  await log.close();
}

export async function readTrail(directory: string): Promise<AuditRecord[]> {
  const text = await readFile(auditFiles(directory).log, "utf8");
  return text.split("\n").filter((line) => line !== "").map((line) => JSON.parse(line));
}

/** Rewrites audit.log as the given lines, as someone with write access to the disk could. */
export async function rewriteTrail(directory: string, records: unknown[]): Promise<void> {
  const text = records.map((record) => `${JSON.stringify(record)}\n`).join("");
  await writeFile(auditFiles(directory).log, text);
}

/** The record with changed fields, its hash recomputed and signed by `signer` (not the HSM). */
export async function forged(
  record: AuditRecord,
  changes: Partial<AuditRecord>,
  signer: Signer,
): Promise<AuditRecord> {
  const changed = { ...record, ...changes };
  const hash = recordHash(changed);
  const signature = (await signer.sign(sealedBytes(changed.seq, hash))).toString("base64");
  return { ...changed, hash, signature };
}

/** The record with changed fields and its hash recomputed, carrying no signature. */
export function unsigned(record: AuditRecord, changes: Partial<AuditRecord>): AuditRecord {
  const { signature: _dropped, ...changed } = { ...record, ...changes };
  return { ...changed, hash: recordHash(changed) };
}
