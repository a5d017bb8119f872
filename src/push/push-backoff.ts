/** Exponential backoff for a target that keeps failing: base, 2x base, 4x base ... up to max. */
export interface Backoff {
  baseMs: number;
  maxMs: number;
}

export const defaultBackoff: Backoff = { baseMs: 60_000, maxMs: 60 * 60_000 };

/** When the next automatic attempt may start after `failures` failures in a row. */
export function nextRetryAt(backoff: Backoff, failures: number, after: Date): Date {
  const exponent = Math.min(Math.max(failures - 1, 0), 30);
  const delay = Math.min(backoff.baseMs * 2 ** exponent, backoff.maxMs);
  return new Date(after.getTime() + delay);
}
