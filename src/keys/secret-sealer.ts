import { GdsError } from "../core/errors.js";

/**
 * Encrypts secrets the GDS keeps at rest (private keys waiting for FinishRequest, credentials
 * for push targets) under a key that never leaves the HSM. associatedData binds a sealed value
 * to its record, e.g. the RequestId: the value copied into another record does not open.
 */
export interface SecretSealer {
  /** Resolves to a compact string, `v1.<iv>.<ciphertext and tag>`, safe to store. */
  seal(plaintext: Buffer, associatedData: string): Promise<string>;
  /**
   * The plaintext, if `sealed` came from seal() with this key and the same associatedData.
   * Anything else fails with GdsError Internal "sealed secret cannot be opened".
   */
  open(sealed: string, associatedData: string): Promise<Buffer>;
}

/**
 * Version 1 is AES-256-GCM with a random 96-bit IV and a 128-bit tag, the tag appended to the
 * ciphertext as PKCS#11 returns it. A new algorithm gets a new version; old values stay readable.
 */
export const sealedSecretV1 = { version: "v1", ivBytes: 12, tagBytes: 16 } as const;

/** Private keys and credentials are a few KiB; the limit keeps a stored value bounded. */
export const largestSealedPlaintext = 64 * 1024;

/** Base64url of the largest ciphertext and tag plus the IV and separators, with room to spare. */
const largestSealedLength = Math.ceil(((largestSealedPlaintext + 64) * 4) / 3);

export interface SealedParts {
  iv: Buffer;
  /** The ciphertext with the tag at its end. */
  ciphertext: Buffer;
}

export function formatSealedSecret(parts: SealedParts): string {
  const { version } = sealedSecretV1;
  return `${version}.${parts.iv.toString("base64url")}.${parts.ciphertext.toString("base64url")}`;
}

/** The parts of a v1 sealed secret, or undefined for anything else (the reason is not told). */
export function parseSealedSecret(sealed: unknown): SealedParts | undefined {
  if (typeof sealed !== "string" || sealed.length > largestSealedLength) return undefined;

  const [version, iv, ciphertext, ...rest] = sealed.split(".");
  if (version !== sealedSecretV1.version || rest.length > 0) return undefined;
  const ivBytes = canonicalBase64url(iv);
  const ciphertextBytes = canonicalBase64url(ciphertext);
  if (ivBytes?.length !== sealedSecretV1.ivBytes) return undefined;
  if (!ciphertextBytes || ciphertextBytes.length <= sealedSecretV1.tagBytes) return undefined;

  return { iv: ivBytes, ciphertext: ciphertextBytes };
}

/**
 * The bytes GCM authenticates besides the ciphertext: the version, so a value cannot be
 * replayed under another format with the same key, then the caller's associatedData. The
 * version has a fixed length, so no two (version, associatedData) pairs give the same bytes.
 */
export function sealedAdditionalData(associatedData: string): Buffer {
  return Buffer.from(`${sealedSecretV1.version}.${associatedData}`, "utf8");
}

export function checkSealArguments(plaintext: unknown, associatedData: unknown): void {
  if (!Buffer.isBuffer(plaintext) || plaintext.length === 0) {
    throw new GdsError("InvalidArgument", "a secret to seal must be a non-empty Buffer");
  }
  if (plaintext.length > largestSealedPlaintext) {
    throw new GdsError("InvalidArgument", "a secret to seal must be at most 64 KiB");
  }
  checkAssociatedData(associatedData);
}

/** Empty associatedData would bind the secret to nothing, which is always a caller's mistake. */
export function checkAssociatedData(associatedData: unknown): void {
  if (typeof associatedData === "string" && associatedData.length > 0) return;
  throw new GdsError("InvalidArgument", "associatedData must be a non-empty string");
}

/**
 * The one error for a value that does not open: garbage, tampered, moved to another record or
 * sealed under another key all look alike to the caller. The cause, for the log, is a Cryptoki
 * code or a constant reason, never the value.
 */
export function unopenable(cause: unknown): GdsError {
  return new GdsError("Internal", "sealed secret cannot be opened", cause);
}

/** Strict: Buffer.from() skips stray characters, and a re-encoding catches non-canonical tails. */
function canonicalBase64url(text: string | undefined): Buffer | undefined {
  if (!text || !/^[A-Za-z0-9_-]+$/.test(text)) return undefined;
  const bytes = Buffer.from(text, "base64url");
  return bytes.toString("base64url") === text ? bytes : undefined;
}
