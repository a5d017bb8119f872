import type { KeyObject } from "node:crypto";
import type { FileHandle } from "node:fs/promises";
import { GdsError } from "../core/errors.js";
import type { Signer } from "../keys/signer.js";
import type { Logger } from "../log/logger.js";
import type { AuditFiles } from "./audit-files.js";
import { headSignatureValid, readHead, signHead, writeHead } from "./audit-head.js";
import { readLastLines } from "./audit-lines.js";
import {
  genesisHash, lineProblem, parseRecord, sealProblem, type AuditRecord,
} from "./audit-record.js";

/** Where the next record links: the seq and hash of the last one (0 and genesis when empty). */
export interface ChainEnd {
  seq: number;
  hash: string;
}

/**
 * Most records written with one fsync and one signed head. It bounds how long an append waits
 * and how far the head may trail the trail after a crash between the two writes.
 */
export const maxBatch = 64;

export interface ResumeOptions {
  handle: FileHandle;
  files: AuditFiles;
  key: KeyObject;
  signer: Signer;
  log: Logger;
}

/**
 * Finds where an existing trail ends and checks that end before anything is added to it.
 * Anything doubtful refuses: appending after a cut or a torn line would fork the chain and
 * make the tampering look like our own writing.
 */
export async function resumeChain(options: ResumeOptions): Promise<ChainEnd> {
  const { files, key } = options;
  const tail = await readLastLines(options.handle, maxBatch + 1);
  if (tail.overlong) refuse(`a line at the end of ${files.log} is longer than any record`);
  if (tail.unterminated !== "") {
    refuse(`the last line of ${files.log} is incomplete (an interrupted write or a cut file)`);
  }
  const head = await readHead(files.head);
  if (typeof head === "string") refuse(`${files.head}: ${head}`);

  // A fresh trail: the head for "no records yet" is written at once, so that from now on a
  // missing head file always means someone removed it.
  if (tail.lines.length === 0) {
    if (head === undefined) {
      await writeHead(files.head, await signHead(options.signer, 0, genesisHash));
      return { seq: 0, hash: genesisHash };
    }
    if (head.seq !== 0) refuse(`${files.log} is empty but ${files.head} names record ${head.seq}`);
    return { seq: 0, hash: genesisHash };
  }

  const records = checkedTail(tail.lines, files, key);
  const last = records.at(-1)!;
  if (head === undefined) refuse(`${files.head} is missing, so a cut-off end would go unseen`);
  if (!headSignatureValid(head, key)) refuse(`the signature of ${files.head} is not valid`);
  // Every batch ends with a signed record: an unsigned last one was added by someone else,
  // or had its seal taken away.
  if (last.signature === undefined) refuse(`record ${last.seq} of ${files.log} is not signed`);
  if (head.seq === last.seq && head.hash === last.hash) return last;

  // A crash after the records reached the disk and before the head was replaced.
  // Record 0 stands for the genesis hash when the tail reaches the start of the file.
  const start = records[0]!.seq === 1 ? genesisHash : undefined;
  const headRecordHash =
    head.seq === 0 ? start : records.find((record) => record.seq === head.seq)?.hash;
  if (head.seq === last.seq) refuse(`${files.head} does not match the last record`);
  if (head.seq > last.seq || headRecordHash !== head.hash) {
    refuse(`${files.head} names record ${head.seq} but ${files.log} ends at record ${last.seq}`);
  }
  await writeHead(files.head, await signHead(options.signer, last.seq, last.hash));
  options.log.warn({ headSeq: head.seq, seq: last.seq }, "audit head caught up after a crash");
  return last;
}

/** The tail's records, each sealed and linked to the one before. */
function checkedTail(lines: string[], files: AuditFiles, key: KeyObject): AuditRecord[] {
  const records: AuditRecord[] = [];
  for (const line of lines) {
    const record = parseRecord(line);
    if (typeof record === "string") refuse(`a record at the end of ${files.log}: ${record}`);
    const problem = lineProblem(line, record) ?? sealProblem(record, key);
    if (problem) refuse(`record ${record.seq} of ${files.log}: ${problem}`);

    const before = records.at(-1);
    if (before && (record.seq !== before.seq + 1 || record.previousHash !== before.hash)) {
      refuse(`record ${record.seq} of ${files.log} does not follow record ${before.seq}`);
    }
    if (record.seq === 1 && record.previousHash !== genesisHash) {
      refuse(`record 1 of ${files.log} does not start from the genesis hash`);
    }
    records.push(record);
  }
  return records;
}

function refuse(problem: string): never {
  throw new GdsError(
    "InvalidState",
    `the audit trail cannot be continued: ${problem}; run "security-handler audit verify" ` +
      "and have the trail examined before starting again",
  );
}
