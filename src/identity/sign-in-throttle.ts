import type { Clock } from "../core/clock.js";

export interface ThrottlePolicy {
  /** Failures in a row a user name may have before it is locked. */
  failuresBeforeLock: number;
  /** The first lock; each further failure after a lock doubles it, up to maxLockMs. */
  firstLockMs: number;
  maxLockMs: number;
  /** User names tracked at once; the oldest are forgotten beyond it, to bound memory. */
  trackedNames: number;
}

export const defaultThrottlePolicy: ThrottlePolicy = {
  failuresBeforeLock: 5, firstLockMs: 30_000, maxLockMs: 15 * 60_000, trackedNames: 10_000,
};

interface Failures {
  count: number;
  lockedUntil: number;
}

/**
 * Slows password guessing per user name: after a few failures in a row the name is locked for a
 * while, doubling with every failure after that, and a success clears it. A locked name is
 * refused without checking the password, so guessing gains nothing during the lock; the right
 * password works again once the lock has run out. The state lives in memory: a restart clears
 * it, which costs an attacker a restart they cannot cause.
 */
export class SignInThrottle {
  private readonly failures = new Map<string, Failures>();

  constructor(
    private readonly clock: Clock,
    private readonly policy: ThrottlePolicy = defaultThrottlePolicy,
  ) {}

  isLocked(userName: string): boolean {
    const entry = this.failures.get(userName);
    return entry !== undefined && entry.lockedUntil > this.clock.now().getTime();
  }

  /** Records a failure; answers whether it started (or extended) a lock. */
  failed(userName: string): boolean {
    const entry = this.failures.get(userName) ?? { count: 0, lockedUntil: 0 };
    this.failures.delete(userName); // re-inserted last: the Map's order is the age order
    entry.count += 1;
    const beyond = entry.count - this.policy.failuresBeforeLock;
    if (beyond >= 0) {
      const lockMs = Math.min(this.policy.firstLockMs * 2 ** Math.min(beyond, 20),
        this.policy.maxLockMs);
      entry.lockedUntil = this.clock.now().getTime() + lockMs;
    }
    this.failures.set(userName, entry);
    if (this.failures.size > this.policy.trackedNames) {
      const oldest = this.failures.keys().next().value;
      if (oldest !== undefined) this.failures.delete(oldest);
    }
    return beyond >= 0;
  }

  succeeded(userName: string): void {
    this.failures.delete(userName);
  }
}
