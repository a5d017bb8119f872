/**
 * Runs attempts with a bound on how many run at once, and at most one per target: a second
 * request for a busy target waits for the first, so two sessions never interleave their
 * staged changes on one server.
 */
export class AttemptQueue {
  private active = 0;
  private readonly waiting: Array<() => void> = [];
  private readonly perTarget = new Map<string, Promise<unknown>>();

  constructor(private readonly concurrency: number) {}

  busy(targetId: string): boolean {
    return this.perTarget.has(targetId);
  }

  run<T>(targetId: string, task: () => Promise<T>): Promise<T> {
    const previous = this.perTarget.get(targetId) ?? Promise.resolve();
    const next = previous.catch(() => undefined).then(() => this.limited(task));
    const tracked = next.finally(() => {
      if (this.perTarget.get(targetId) === tracked) this.perTarget.delete(targetId);
    });
    tracked.catch(() => undefined); // the caller handles `next`; this copy only tracks
    this.perTarget.set(targetId, tracked);
    return next;
  }

  private async limited<T>(task: () => Promise<T>): Promise<T> {
    if (this.active >= this.concurrency) {
      await new Promise<void>((resume) => this.waiting.push(resume));
    } else {
      this.active++;
    }
    try {
      return await task();
    } finally {
      const resume = this.waiting.shift();
      if (resume) resume();
      else this.active--;
    }
  }
}
