import { createHash, randomBytes } from "node:crypto";
import type { Clock } from "../../core/clock.js";

export interface IssuedToken {
  token: string;
  expiresAt: Date;
}

export const tokenLifetimeMs = 15 * 60_000;
/** Bounds the memory a flood of sign-ins can take; the oldest tokens go first. */
const maxLiveTokens = 10_000;

/**
 * Short-lived bearer tokens of the REST API, held in memory only: a restart signs everybody
 * out, which is acceptable for tokens of fifteen minutes. Only a SHA-256 of each token is
 * kept, so a memory dump does not hand out sessions.
 */
export class BearerTokens {
  private readonly byDigest = new Map<string, { userName: string; expiresAt: number }>();

  constructor(private readonly clock: Clock, private readonly lifetimeMs = tokenLifetimeMs) {}

  issue(userName: string): IssuedToken {
    this.sweep();
    const token = randomBytes(32).toString("base64url");
    const expiresAt = this.clock.now().getTime() + this.lifetimeMs;
    this.byDigest.set(digest(token), { userName, expiresAt });
    return { token, expiresAt: new Date(expiresAt) };
  }

  /** The user a live token belongs to; undefined for an unknown or expired one. */
  userOf(token: string): string | undefined {
    const entry = this.byDigest.get(digest(token));
    if (!entry) return undefined;
    if (this.clock.now().getTime() >= entry.expiresAt) {
      this.byDigest.delete(digest(token));
      return undefined;
    }
    return entry.userName;
  }

  private sweep(): void {
    const now = this.clock.now().getTime();
    for (const [key, entry] of this.byDigest) {
      if (entry.expiresAt <= now) this.byDigest.delete(key);
    }
    while (this.byDigest.size >= maxLiveTokens) {
      const oldest = this.byDigest.keys().next().value;
      if (oldest === undefined) break;
      this.byDigest.delete(oldest);
    }
  }
}

function digest(token: string): string {
  return createHash("sha256").update(token).digest("base64url");
}
