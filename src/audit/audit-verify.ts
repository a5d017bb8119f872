import type { KeyObject } from "node:crypto";
import { access, readFile } from "node:fs/promises";
import { GdsError } from "../core/errors.js";
import { auditFiles, auditPublicKey } from "./audit-files.js";
import { headSignatureValid, readHead, type AuditHead } from "./audit-head.js";
import { readLines } from "./audit-lines.js";
import {
  genesisHash, lineProblem, parseRecord, sealProblem, type AuditRecord,
} from "./audit-record.js";
import { maxBatch } from "./audit-tail.js";

/** One finding: the record it concerns (seq) and/or where it is in the file (line). */
export interface AuditProblem {
  seq?: number;
  line?: number;
  problem: string;
}

export interface AuditVerification {
  /** True when no problem was found. */
  ok: boolean;
  /** Lines that parsed as records. */
  records: number;
  problems: AuditProblem[];
  /** Facts that are not tampering, e.g. a head left behind by a crash. */
  notes: string[];
}

/**
 * Checks the trail in `directory` against the audit public key: by default DIR/audit-key.pem,
 * or `publicKeyPem` from a copy kept elsewhere. Only the second protects against someone who
 * can rewrite the whole directory, key file included, and re-sign it with a key of their own.
 *
 * Finds changed fields (hash), forged or re-hashed records (signature), removed, duplicated
 * and reordered records (seq), broken links (previousHash), a torn last line, and a cut-off
 * end (the signed head names a later record). Not found: removing every file, or rolling both
 * files back to a state whose head the attacker copied at the time; a witness outside this
 * machine that keeps AuditLog.head would close that.
 */
export async function verifyAuditLog(
  directory: string,
  publicKeyPem?: string,
): Promise<AuditVerification> {
  const files = auditFiles(directory);
  const key = auditPublicKey(publicKeyPem ?? (await readKeyFile(files.publicKey)));
  const head = await readHead(files.head);

  const walk = new ChainWalk(key, typeof head === "object" ? head.seq : undefined);
  if (await exists(files.log)) {
    for await (const { number, text, terminated, overlong } of readLines(files.log)) {
      if (overlong) walk.overlong(number);
      else walk.line(number, text, terminated);
    }
  }
  const { problems, notes } = walk;
  problems.push(...walk.missing());
  problems.push(...headProblems(head, walk, key, notes));
  problems.push(...walk.unsealed());
  return { ok: problems.length === 0, records: walk.records, problems, notes };
}

/** State of one pass over the file, in file order. */
class ChainWalk {
  readonly problems: AuditProblem[] = [];
  readonly notes: string[] = [];
  records = 0;
  highest = 0;
  /** Hash of the record the head names, once passed. */
  headRecordHash: string | undefined;
  private readonly seen = new Set<number>();
  private previous: AuditRecord | undefined;
  /** First and last seq of the run of unsigned records since the last signed one. */
  private unsigned: { from: number; to: number } | undefined;

  constructor(
    private readonly key: KeyObject,
    private readonly headSeq: number | undefined,
  ) {
    if (headSeq === 0) this.headRecordHash = genesisHash;
  }

  /** A line too long to be a record, skipped unread: it breaks the chain like any bad line. */
  overlong(line: number): void {
    this.notARecord(line, "the line is longer than any record (not read)");
  }

  line(line: number, text: string, terminated: boolean): void {
    if (!terminated) {
      this.problems.push({ line, problem: "the last line is incomplete (a torn write or a cut)" });
      return;
    }
    const record = parseRecord(text);
    if (typeof record === "string") {
      this.notARecord(line, record);
      return;
    }

    this.records += 1;
    const { seq } = record;
    // The record is still walked: its seq, hash and seal say whether anything else is wrong.
    const written = lineProblem(text, record);
    if (written) this.problems.push({ seq, line, problem: written });
    const sealed = sealProblem(record, this.key);
    if (sealed) this.problems.push({ seq, line, problem: sealed });

    const follows = seq === (this.previous?.seq ?? 0) + 1;
    const linked = follows && record.previousHash === (this.previous?.hash ?? genesisHash);
    // Gaps are reported at the end, once it is known which seqs never appeared at all.
    if (this.seen.has(seq)) {
      this.problems.push({ seq, line, problem: `seq ${seq} appears a second time` });
    } else if (seq < this.highest) {
      this.problems.push({ seq, line, problem: `out of order: after seq ${this.highest}` });
    } else if (follows && !linked) {
      this.problems.push({ seq, line, problem: "previousHash does not match the record before" });
    }
    this.seal(record, linked);

    this.seen.add(seq);
    this.highest = Math.max(this.highest, seq);
    this.previous = record;
    if (seq === this.headSeq) this.headRecordHash = record.hash;
  }

  /**
   * Unsigned records count as sealed once a signed record follows them on an unbroken chain.
   * A break is a problem of its own; the run before it is then left to that finding.
   */
  private seal(record: AuditRecord, linked: boolean): void {
    if (record.signature !== undefined) {
      this.unsigned = undefined;
      return;
    }
    const from = linked ? this.unsigned?.from ?? record.seq : record.seq;
    this.unsigned = { from, to: record.seq };
  }

  /** A line that is no record: reported, and the chain walked anew after it. */
  private notARecord(line: number, problem: string): void {
    this.problems.push({ line, problem });
    this.previous = undefined;
    this.unsigned = undefined;
  }

  /**
   * The unsigned records at the end, which nothing seals. The head does not count: every batch
   * ends with a sealed record, so an unsigned last one was added or had its seal taken away.
   */
  unsealed(): AuditProblem[] {
    const run = this.unsigned;
    if (!run) return [];
    const range = run.from === run.to ? `record ${run.from} carries`
      : `records ${run.from} to ${run.to} carry`;
    return [{ seq: run.from, problem: `${range} no signature and no signed record follows` }];
  }

  /** Every seq below the highest that never appeared, as ranges. */
  missing(): AuditProblem[] {
    const problems: AuditProblem[] = [];
    let seq = 1;
    while (seq < this.highest) {
      if (this.seen.has(seq)) {
        seq += 1;
        continue;
      }
      const from = seq;
      while (seq < this.highest && !this.seen.has(seq)) seq += 1;
      const problem = seq - 1 === from
        ? `record ${from} is missing`
        : `records ${from} to ${seq - 1} are missing`;
      problems.push({ seq: from, problem });
    }
    return problems;
  }
}

/** Compares the signed head with the records the walk found. */
function headProblems(
  head: AuditHead | undefined | string,
  walk: ChainWalk,
  key: KeyObject,
  notes: string[],
): AuditProblem[] {
  if (typeof head === "string") return [{ problem: `audit.head: ${head}` }];
  if (head === undefined) {
    if (walk.records === 0) return [];
    return [{ problem: "audit.head is missing, so a cut-off end would go unseen" }];
  }
  if (!headSignatureValid(head, key)) {
    return [{ seq: head.seq, problem: "the signature of audit.head is not valid" }];
  }

  if (head.seq > walk.highest) {
    const from = walk.highest + 1;
    const range = from === head.seq ? `record ${from} is` : `records ${from} to ${head.seq} are`;
    return [{ seq: from, problem: `${range} missing from the end (audit.head names ${head.seq})` }];
  }
  if (walk.headRecordHash !== head.hash) {
    return [{ seq: head.seq, problem: "audit.head does not match the record it names" }];
  }
  // A crash between writing records and replacing the head leaves it one batch behind at most.
  const behind = walk.highest - head.seq;
  if (behind > maxBatch) {
    return [{ seq: head.seq, problem: `audit.head is ${behind} records behind the trail` }];
  }
  if (behind > 0) {
    notes.push(`audit.head is ${behind} record(s) behind: an append was interrupted by a crash;` +
      " the next start brings it up to date");
  }
  return [];
}

async function readKeyFile(path: string): Promise<string> {
  try {
    return await readFile(path, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
    throw new GdsError("NotFound", `there is no audit key at ${path}`);
  }
}

async function exists(path: string): Promise<boolean> {
  return access(path).then(() => true, () => false);
}
