import { verify, type KeyObject } from "node:crypto";
import { open, readFile, rename } from "node:fs/promises";
import { dirname } from "node:path";
import type { Signer } from "../keys/signer.js";
import { canonicalJson } from "./audit-record.js";

/**
 * The signed statement "the trail ends at record `seq` with hash `hash`", kept in DIR/audit.head.
 * Records alone cannot show that the last ones were cut off; a head signed by the audit key
 * can, because whoever cuts the file cannot sign a new head for the shorter trail.
 */
export interface AuditHead {
  seq: number;
  hash: string;
  /** Base64 signature by the audit key over headSignedBytes(seq, hash). */
  signature: string;
}

// A purpose label of its own keeps a head from being made out of a record's seal (which says
// "the trail reaches record seq", not "ends there"): the seals stay in the file after later
// batches, so a head that reused them could be rebuilt for any earlier end after a cut.
const purpose = "security-handler audit head";

export function headSignedBytes(seq: number, hash: string): Buffer {
  return Buffer.from(canonicalJson({ purpose, seq, hash }), "utf8");
}

export async function signHead(signer: Signer, seq: number, hash: string): Promise<AuditHead> {
  const signature = await signer.sign(headSignedBytes(seq, hash));
  return { seq, hash, signature: signature.toString("base64") };
}

export function headSignatureValid(head: AuditHead, key: KeyObject): boolean {
  const signature = Buffer.from(head.signature, "base64");
  return verify("sha256", headSignedBytes(head.seq, head.hash), key, signature);
}

/** The head on disk; undefined when there is none, a sentence when the file is not a head. */
export async function readHead(path: string): Promise<AuditHead | undefined | string> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw error;
  }

  let value: Partial<AuditHead>;
  try {
    value = JSON.parse(text) as Partial<AuditHead>;
  } catch {
    return "the head file is not JSON";
  }
  const { seq, hash, signature } = value ?? {};
  if (!Number.isSafeInteger(seq) || typeof hash !== "string" || typeof signature !== "string") {
    return "the head file lacks seq, hash or signature";
  }
  return { seq: seq as number, hash, signature };
}

/**
 * Replaces the head atomically: a crash leaves the old head or the new one, never half a file.
 * The old head is then at most one batch behind the trail, which open() and verify accept.
 */
export async function writeHead(path: string, head: AuditHead): Promise<void> {
  const temporary = `${path}.tmp`;
  const file = await open(temporary, "w", 0o600);
  try {
    await file.writeFile(`${JSON.stringify(head)}\n`);
    await file.datasync();
  } finally {
    await file.close();
  }
  await rename(temporary, path);
  await syncDirectory(dirname(path));
}

/** Makes a rename or a new file in the directory survive a power loss (Linux, ext4, xfs). */
export async function syncDirectory(path: string): Promise<void> {
  const directory = await open(path, "r");
  try {
    await directory.sync();
  } finally {
    await directory.close();
  }
}
