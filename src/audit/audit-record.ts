import { createHash, verify, type KeyObject } from "node:crypto";
import type { AuditAction } from "./audit-action.js";

export type AuditDetailValue = string | number | boolean | string[];
export type AuditDetails = Record<string, AuditDetailValue>;

/** One line of DIR/audit.log. */
export interface AuditRecord {
  /** 1 for the first record, then +1 per record, with no gaps. */
  seq: number;
  /** ISO 8601, UTC, from the injected clock at the moment append() was called. */
  time: string;
  actor: string;
  action: AuditAction;
  details: AuditDetails;
  /** `hash` of the record before; genesisHash for seq 1. */
  previousHash: string;
  /** Hex SHA-256 of canonicalJson(the fields above). */
  hash: string;
  /**
   * Base64 RSASSA-PKCS1-v1_5/SHA-256 signature by the audit key over sealedBytes(seq, hash): the
   * statement "the trail reaches record seq with this hash". It is on the last record of each
   * batch written together; through previousHash it covers every record before it, so the
   * others carry none. (Trails written before batches were sealed as one carry a signature on
   * every record, over the 32 bytes of `hash`; both forms verify.) It is not the head's
   * statement "the trail ends here": were it, every sealed record would be a head, and whoever
   * cuts the trail after one of them could put its signature in audit.head unseen.
   */
  signature?: string;
}

export type UnsignedAuditRecord = Omit<AuditRecord, "hash" | "signature">;

// A purpose label keeps this statement from ever being mistaken for another signed text: the
// head's "the trail ends here" (audit-head.ts), or the raw digest that older records sign.
const purpose = "security-handler audit seal";

/** What the audit key signs to seal the trail up to record `seq`. */
export function sealedBytes(seq: number, hash: string): Buffer {
  return Buffer.from(canonicalJson({ purpose, seq, hash }), "utf8");
}

/** previousHash of the first record: a fixed value, so seq 1 needs no special case. */
export const genesisHash = "0".repeat(64);

/**
 * RFC 8785 (JCS) canonical JSON for the value types a record may hold: object keys sorted by
 * UTF-16 code units, no whitespace, JSON.stringify for strings and numbers (JCS defines both
 * as ECMAScript does). Another implementation can therefore recompute the hash.
 */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  if (value !== null && typeof value === "object") {
    const entries = Object.keys(value)
      .sort()
      .map((key) => [key, (value as Record<string, unknown>)[key]] as const)
      .map(([key, item]) => `${JSON.stringify(key)}:${canonicalJson(item)}`);
    return `{${entries.join(",")}}`;
  }
  if (typeof value === "number" && !Number.isFinite(value)) {
    throw new TypeError("canonical JSON has no form for a non-finite number");
  }
  if (value === undefined || typeof value === "function" || typeof value === "bigint") {
    throw new TypeError(`canonical JSON has no form for a ${typeof value}`);
  }
  return JSON.stringify(value);
}

export function recordHash(record: UnsignedAuditRecord): string {
  const { seq, time, actor, action, details, previousHash } = record;
  const canonical = canonicalJson({ seq, time, actor, action, details, previousHash });
  return createHash("sha256").update(canonical, "utf8").digest("hex");
}

/**
 * Why a record's hash or signature does not hold, or undefined when both do (a record without
 * a signature holds here; the reader checks that a signed one follows it). A changed field
 * shows as a wrong hash; a changed field with a recomputed hash shows as a wrong signature on
 * the record that seals it, because only the audit key in the HSM can sign.
 */
export function sealProblem(record: AuditRecord, key: KeyObject): string | undefined {
  if (recordHash(record) !== record.hash) return "hash does not match the record's content";
  if (record.signature === undefined) return undefined;

  const signature = Buffer.from(record.signature, "base64");
  const valid = verifies(sealedBytes(record.seq, record.hash), key, signature)
    || verifies(Buffer.from(record.hash, "hex"), key, signature);
  return valid ? undefined : "signature is not valid: the audit key did not sign this record";
}

function verifies(data: Buffer, key: KeyObject, signature: Buffer): boolean {
  try {
    return verify("sha256", data, key, signature);
  } catch {
    return false; // a signature of the wrong length for the key is simply not valid
  }
}

/** One line of the file, fields in reading order, newline included. */
export function recordLine(record: AuditRecord): string {
  const { seq, time, actor, action, details, previousHash, hash, signature } = record;
  const ordered = { seq, time, actor, action, details, previousHash, hash,
    ...(signature === undefined ? {} : { signature }) };
  return `${JSON.stringify(ordered)}\n`;
}

const hexDigest = /^[0-9a-f]{64}$/;
const base64 = /^[A-Za-z0-9+/]+={0,2}$/;

/**
 * A record read back from the file, or a sentence saying why the text is not one. Checks the
 * shape only; the action is not checked against today's list, so that a log written by a
 * newer version still verifies.
 */
export function parseRecord(text: string): AuditRecord | string {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return "not a JSON record";
  }
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    return "not a JSON object";
  }

  const record = value as Record<string, unknown>;
  if (!Number.isSafeInteger(record.seq) || (record.seq as number) < 1) return "seq is not valid";
  if (typeof record.time !== "string" || Number.isNaN(Date.parse(record.time))) {
    return "time is not valid";
  }
  if (typeof record.actor !== "string") return "actor is not a string";
  if (typeof record.action !== "string") return "action is not a string";
  if (!isDetails(record.details)) return "details are not valid";
  for (const field of ["previousHash", "hash"] as const) {
    const digest = record[field];
    if (typeof digest !== "string" || !hexDigest.test(digest)) return `${field} is not valid`;
  }
  if (record.signature !== undefined
    && (typeof record.signature !== "string" || !base64.test(record.signature))) {
    return "signature is not base64";
  }
  return record as unknown as AuditRecord;
}

/**
 * Why the line a record was read from differs from the one the GDS writes for it, or undefined.
 * The hash covers the fields, not the text: a field it does not cover, a key given twice
 * (JSON.parse keeps the last, a reader's eye the first) or other spacing would change what the
 * line says to a reader while the record still verifies. Lines are written one way only.
 */
export function lineProblem(text: string, record: AuditRecord): string | undefined {
  if (`${text}\n` === recordLine(record)) return undefined;
  return "the line is not as the GDS writes it (a field added, repeated or respaced)";
}

function isDetails(value: unknown): value is AuditDetails {
  if (value === null || typeof value !== "object" || Array.isArray(value)) return false;
  return Object.values(value).every(
    (item) =>
      typeof item === "string" ||
      typeof item === "boolean" ||
      (typeof item === "number" && Number.isFinite(item)) ||
      (Array.isArray(item) && item.every((element) => typeof element === "string")),
  );
}
