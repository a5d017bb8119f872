import { GdsError } from "../core/errors.js";
import type { Handle } from "./pkcs11-module.js";

/**
 * A fixed set of PKCS#11 sessions, each lent to one operation at a time: a session holds the
 * state of one active operation (C_SignInit ... C_Sign, C_FindObjectsInit ... Final), so two
 * callers must never share one. Callers beyond the pool size wait in arrival order.
 */
export class Pkcs11SessionPool {
  private readonly idle: Handle[];
  private readonly waiting: Array<(session: Handle) => void> = [];
  private lent = 0;
  private closing = false;
  private drained: (() => void) | undefined;

  constructor(readonly sessions: readonly Handle[]) {
    if (sessions.length === 0) throw new Error("a session pool needs at least one session");
    this.idle = [...sessions];
  }

  get size(): number {
    return this.sessions.length;
  }

  /** Runs operation with a session of its own; the session returns to the pool afterwards. */
  async use<T>(operation: (session: Handle) => T | Promise<T>): Promise<T> {
    const session = await this.acquire();
    try {
      return await operation(session);
    } finally {
      this.release(session);
    }
  }

  /**
   * Refuses new operations and resolves once those already accepted, queued ones included,
   * have finished: finalizing the module under a running C_Sign would pull the library out
   * from under a signing thread.
   */
  drain(): Promise<void> {
    this.closing = true;
    if (this.isIdle()) return Promise.resolve();
    return new Promise((resolve) => {
      this.drained = resolve;
    });
  }

  private acquire(): Promise<Handle> {
    if (this.closing) return Promise.reject(new GdsError("Internal", "the HSM is closed"));

    const session = this.idle.pop();
    if (session !== undefined) {
      this.lent++;
      return Promise.resolve(session);
    }
    return new Promise((resolve) => this.waiting.push(resolve));
  }

  private release(session: Handle): void {
    const next = this.waiting.shift();
    if (next) {
      next(session);
      return;
    }

    this.lent--;
    this.idle.push(session);
    if (this.closing && this.isIdle()) this.drained?.();
  }

  private isIdle(): boolean {
    return this.lent === 0 && this.waiting.length === 0;
  }
}
