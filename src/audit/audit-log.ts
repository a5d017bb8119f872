import { createPublicKey } from "node:crypto";
import { mkdir, open, readFile, rename, writeFile, type FileHandle } from "node:fs/promises";
import type { Clock } from "../core/clock.js";
import { GdsError } from "../core/errors.js";
import { sha256WithRSAEncryption, type Signer } from "../keys/signer.js";
import type { Logger } from "../log/logger.js";
import type { AuditAction } from "./audit-action.js";
import { checkedAuditEntry, type AuditEntry } from "./audit-entry.js";
import { auditFiles, auditPublicKey, publicKeyPem, type AuditFiles } from "./audit-files.js";
import { signHead, syncDirectory, writeHead } from "./audit-head.js";
import {
  recordHash, recordLine, sealedBytes, type AuditDetails, type AuditRecord,
} from "./audit-record.js";
import { maxBatch, resumeChain, type ChainEnd } from "./audit-tail.js";

export interface AuditLogOptions {
  /** DATA_DIR/audit in the GDS (see auditDirectory); created 0700 when missing. */
  directory: string;
  /** The dedicated audit key, hsm.caSigner("audit", 2048) in production. */
  signer: Signer;
  clock: Clock;
  /** The component's logger, e.g. root.child({ component: "audit" }). */
  log: Logger;
  /** The GDS ran before: an empty trail means it was removed, not that it is new. */
  mustHaveRecords?: boolean;
}

interface PendingAppend {
  entry: AuditEntry;
  time: string;
  resolve(record: AuditRecord): void;
  reject(error: unknown): void;
}

/**
 * The append-only, hash-chained, signed audit trail in DIR/audit.log.
 *
 * Durability: append() resolves only after its record has been written and fdatasync'd and
 * the signed head replaced (file fsync'd, renamed, directory fsync'd). A resolved record
 * therefore survives a crash or power loss, as far as the disk honours fsync; a rejected one
 * may or may not be on disk. Appends that arrive while a write is under way are committed
 * together (up to maxBatch per fsync), in call order, so the trail keeps up with the HSM.
 */
export class AuditLog {
  private readonly queue: PendingAppend[] = [];
  private draining: Promise<void> | undefined;
  private broken: GdsError | undefined;
  private closed = false;

  private constructor(
    private readonly files: AuditFiles,
    private readonly handle: FileHandle,
    private readonly options: AuditLogOptions,
    private end: ChainEnd,
  ) {}

  static async open(options: AuditLogOptions): Promise<AuditLog> {
    if (!options.directory) throw new GdsError("InvalidArgument", "no audit directory given");
    if (options.signer.signatureAlgorithm !== sha256WithRSAEncryption) {
      throw new GdsError("InvalidArgument", "the audit key must sign with sha256WithRSAEncryption");
    }
    const files = auditFiles(options.directory);
    await mkdir(files.directory, { recursive: true, mode: 0o700 });
    const key = auditPublicKey(await settlePublicKey(files, options.signer));

    const handle = await open(files.log, "a+", 0o600);
    try {
      await handle.chmod(0o600); // a file copied in from elsewhere keeps no wider mode
      await syncDirectory(files.directory);
      const end = await resumeChain({
        handle, files, key, signer: options.signer, log: options.log,
      });
      if (options.mustHaveRecords && end.seq === 0) {
        throw new GdsError("InvalidState", `the audit trail in ${files.directory} is empty `
          + "although this GDS has run before; restore it from a backup");
      }
      options.log.info({ records: end.seq, directory: files.directory }, "audit trail opened");
      return new AuditLog(files, handle, options, end);
    } catch (error) {
      await handle.close();
      throw error;
    }
  }

  /** Seq and hash of the last record: what an external witness would keep to pin the trail. */
  get head(): ChainEnd {
    return { ...this.end };
  }

  /**
   * Records an entry and resolves to the record once it is durable (see the class comment).
   * Throws InvalidArgument for an unknown action, an empty actor, or a detail that looks like
   * a secret; nothing is written then.
   */
  append(entry: AuditEntry): Promise<AuditRecord> {
    if (this.closed) return Promise.reject(new GdsError("InvalidState", "the audit log is closed"));
    if (this.broken) return Promise.reject(this.broken);
    let checked: AuditEntry;
    try {
      checked = checkedAuditEntry(entry);
    } catch (error) {
      return Promise.reject(error);
    }

    const time = this.options.clock.now().toISOString();
    return new Promise((resolve, reject) => {
      this.queue.push({ entry: checked, time, resolve, reject });
      this.draining ??= this.drain();
    });
  }

  /**
   * append() in the shape of the core's AuditTrail port (src/core/audit-trail.ts), so the
   * composition root can hand this object to the core as it is.
   */
  async record(action: string, actor: string, details: AuditDetails): Promise<void> {
    // checkedAuditEntry() refuses an action outside auditActions at run time.
    await this.append({ action: action as AuditAction, actor, details });
  }

  /** Waits for appends already made, then closes the file; later appends are refused. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.draining;
    await this.handle.close();
  }

  private async drain(): Promise<void> {
    // Appends made in the same tick share the first batch; and `draining` is always set before
    // the loop below can end and clear it.
    await Promise.resolve();
    while (this.queue.length > 0) {
      const batch = this.queue.splice(0, maxBatch);
      try {
        if (this.broken) throw this.broken;
        const records = await this.commit(batch);
        batch.forEach((pending, index) => pending.resolve(records[index]!));
      } catch (error) {
        for (const pending of batch) pending.reject(error);
      }
    }
    this.draining = undefined;
  }

  private async commit(batch: PendingAppend[]): Promise<AuditRecord[]> {
    // Chain: each hash needs the one before. One signature seals the batch: over the last
    // record's seq and hash, which commit to every record before it. The head says something
    // else ("ends here") and is signed apart, at the same time (see AuditHead).
    let end = this.end;
    const unsigned = batch.map(({ entry, time }) => {
      const fields = { seq: end.seq + 1, time, ...entry, previousHash: end.hash };
      const hash = recordHash(fields);
      end = { seq: fields.seq, hash };
      return { ...fields, hash };
    });
    const { signer } = this.options;
    const [head, seal] = await Promise.all([
      signHead(signer, end.seq, end.hash),
      signer.sign(sealedBytes(end.seq, end.hash)),
    ]);
    const signature = seal.toString("base64");
    const records: AuditRecord[] = unsigned.map((record, index) =>
      index === unsigned.length - 1 ? { ...record, signature } : record);

    // Nothing is on disk before this point: a signing failure leaves the trail as it was.
    // After it, what reached the disk is unknown, so the log stops rather than fork the chain.
    try {
      await appendText(this.handle, records.map(recordLine).join(""));
      await this.handle.datasync();
      await writeHead(this.files.head, head);
    } catch (error) {
      this.broken = new GdsError(
        "InvalidState", "the audit trail could not be written; restart to check it", error);
      this.options.log.error({ err: error, seq: records[0]!.seq }, "audit write failed");
      throw this.broken;
    }
    this.end = end;
    return records;
  }
}

/** Writes every byte: a regular-file write may still return short. The file is O_APPEND. */
async function appendText(handle: FileHandle, text: string): Promise<void> {
  const data = Buffer.from(text, "utf8");
  let offset = 0;
  while (offset < data.length) {
    const { bytesWritten } = await handle.write(data, offset, data.length - offset);
    offset += bytesWritten;
  }
}

/** Compares keys, not text, so a PEM re-wrapped by an editor still counts as the same key. */
function sameKey(pem: string, spkiDer: Buffer): boolean {
  try {
    return createPublicKey(pem).export({ type: "spki", format: "der" }).equals(spkiDer);
  } catch {
    return false; // not a public key at all: as good as another key
  }
}

/**
 * Writes DIR/audit-key.pem from the signer, or checks the one there. A different key refuses:
 * the records before would no longer verify (rotation needs a signed hand-over, not built yet),
 * and a replaced PEM file is itself a sign of tampering.
 */
async function settlePublicKey(files: AuditFiles, signer: Signer): Promise<string> {
  const pem = publicKeyPem(signer.publicKeyInfo);
  let existing: string | undefined;
  try {
    existing = await readFile(files.publicKey, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
  }
  if (existing === undefined) {
    const temporary = `${files.publicKey}.tmp`;
    await writeFile(temporary, pem, { mode: 0o644 });
    await rename(temporary, files.publicKey);
    return pem;
  }

  if (!sameKey(existing, signer.publicKeyInfo)) {
    throw new GdsError(
      "InvalidState",
      `${files.publicKey} holds another key than the audit key in the HSM; ` +
        "the audit trail cannot be continued with a different key",
    );
  }
  return pem;
}
