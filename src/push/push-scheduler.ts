import type { Logger } from "../log/logger.js";

/** What the scheduler drives: one pass over the targets, doing what is due. */
export interface DueWork {
  runDue(): Promise<unknown>;
}

/**
 * Wakes the push engine on a timer and whenever something changed that targets must learn
 * (a new CRL). Passes never overlap: a wake-up during a pass runs one more pass after it.
 * Tests call `kick()` and await it instead of waiting for the timer.
 */
export class PushScheduler {
  private timer?: NodeJS.Timeout;
  private pass?: Promise<void>;
  private again = false;
  private stopped = false;

  constructor(
    private readonly work: DueWork,
    private readonly intervalMs: number,
    private readonly log: Logger,
  ) {}

  start(): void {
    this.timer = setInterval(() => void this.kick(), this.intervalMs);
    this.timer.unref();
    void this.kick();
  }

  /** Runs a pass now (or right after the running one); resolves when no pass is pending. */
  kick(): Promise<void> {
    if (this.stopped) return Promise.resolve();
    if (this.pass) {
      this.again = true;
      return this.pass;
    }
    this.pass = this.loop().finally(() => {
      this.pass = undefined;
    });
    return this.pass;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    this.timer = undefined;
    await this.pass;
  }

  private async loop(): Promise<void> {
    do {
      this.again = false;
      try {
        await this.work.runDue();
      } catch (error) {
        this.log.error({ err: error }, "push pass failed");
      }
    } while (this.again && !this.stopped);
  }
}
