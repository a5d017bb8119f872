import { GdsError } from "../core/errors.js";
import { isAuditAction, type AuditAction } from "./audit-action.js";
import type { AuditDetails } from "./audit-record.js";

/** What a caller hands to AuditLog.append(). */
export interface AuditEntry {
  action: AuditAction;
  /** Who did it: a user name, "anonymous", or "system" for the GDS's own timers. */
  actor: string;
  details: AuditDetails;
}

// A detail name is an identifier, so that it can be matched against the secret words below and
// read in a report; anything else (spaces, "__proto__", 2 KiB names) is a caller's mistake.
const detailName = /^[A-Za-z][A-Za-z0-9_.-]{0,63}$/;
const maxDetails = 64;
const maxActorLength = 256;
// Keeps every line short enough that open() finds the end of the trail in one or two reads.
const maxDetailsLength = 16 * 1024;

// Words in a detail name that mean it could carry a secret. Matching is on whole words of the
// camelCase or snake_case name, so "pinFile" is refused and "shipping" is not.
const secretWords = new Set([
  "password", "passwd", "passphrase", "pwd", "pin", "pins", "secret", "secrets", "otp",
]);
// Compounds that name key material, matched on the name with separators removed.
const secretCompounds = ["privatekey", "secretkey", "keymaterial", "pkcs8", "pkcs12", "pfx"];
// A PEM private key in a value, whatever the detail is called.
const privateKeyPem = /-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----/;

/**
 * A copy of the entry that is safe to record, or a GdsError InvalidArgument. Secrets must never
 * reach the audit log: it is kept for years, read by auditors and copied to archives, and a
 * signed line cannot be redacted later without breaking the chain.
 */
export function checkedAuditEntry(entry: AuditEntry): AuditEntry {
  if (entry === null || typeof entry !== "object") {
    throw new GdsError("InvalidArgument", "an audit entry must be an object");
  }
  if (!isAuditAction(entry.action)) {
    throw new GdsError("InvalidArgument", "unknown audit action");
  }
  if (typeof entry.actor !== "string" || entry.actor.length === 0) {
    throw new GdsError("InvalidArgument", "an audit entry needs an actor");
  }
  if (entry.actor.length > maxActorLength) {
    throw new GdsError("InvalidArgument", "the audit actor is too long");
  }
  const details = entry.details ?? {};
  if (typeof details !== "object" || Array.isArray(details)) {
    throw new GdsError("InvalidArgument", "audit details must be an object");
  }
  const names = Object.keys(details);
  if (names.length > maxDetails) {
    throw new GdsError("InvalidArgument", `an audit entry takes at most ${maxDetails} details`);
  }

  const copy: AuditDetails = {};
  for (const name of names) {
    copy[name] = checkedDetail(name, details[name]);
  }
  if (JSON.stringify(copy).length > maxDetailsLength) {
    throw new GdsError("InvalidArgument", "the audit details are too long");
  }
  return { action: entry.action, actor: entry.actor, details: copy };
}

/** True when a detail with this name could hold a secret; exported for the test's table. */
export function looksLikeSecretName(name: string): boolean {
  const words = name
    .replace(/([a-z0-9])([A-Z])/g, "$1 $2")
    .toLowerCase()
    .split(/[^a-z0-9]+/);
  if (words.some((word) => secretWords.has(word))) return true;

  const squashed = name.toLowerCase().replace(/[^a-z0-9]/g, "");
  return secretCompounds.some((compound) => squashed.includes(compound));
}

function checkedDetail(name: string, value: unknown): string | number | boolean | string[] {
  // Errors name the detail, never its value: the value may be the very secret being refused.
  if (!detailName.test(name)) {
    throw new GdsError("InvalidArgument", "an audit detail name must be an identifier");
  }
  if (looksLikeSecretName(name)) {
    throw new GdsError("InvalidArgument", `audit detail "${name}" looks like a secret`);
  }

  if (typeof value === "boolean") return value;
  if (typeof value === "number") {
    if (!Number.isFinite(value)) {
      throw new GdsError("InvalidArgument", `audit detail "${name}" is not a finite number`);
    }
    return value;
  }
  if (typeof value === "string") return checkedText(name, value);
  if (Array.isArray(value) && value.every((item) => typeof item === "string")) {
    return value.map((item: string) => checkedText(name, item));
  }
  throw new GdsError(
    "InvalidArgument",
    `audit detail "${name}" must be a string, number, boolean or list of strings`,
  );
}

function checkedText(name: string, text: string): string {
  if (privateKeyPem.test(text)) {
    throw new GdsError("InvalidArgument", `audit detail "${name}" holds a private key`);
  }
  return text;
}
