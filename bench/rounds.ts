/** A rate measured over repeated rounds of a fixed count: the median and every round. */
export interface Rate {
  /** Operations per second, median of the rounds. */
  median: number;
  rounds: number[];
  /** CPU time of this process (all threads) per operation in ms, median of the rounds. */
  cpuMs: number;
}

export function median(values: readonly number[]): number {
  if (values.length === 0) throw new Error("no values to take the median of");
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

/** The value below which `fraction` of the values lie (nearest rank). */
export function percentile(values: readonly number[], fraction: number): number {
  if (values.length === 0) throw new Error("no values to take a percentile of");
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.ceil(fraction * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1]!;
}

export function seconds(startedNs: bigint): number {
  return Number(process.hrtime.bigint() - startedNs) / 1e9;
}

/** Runs `round` `rounds` times, each doing `count` operations, and returns the rates. */
export async function measureRate(
  count: number,
  rounds: number,
  round: (roundIndex: number) => Promise<unknown> | unknown,
): Promise<Rate> {
  const rates: number[] = [];
  const cpu: number[] = [];
  for (let index = 0; index < rounds; index++) {
    const cpuBefore = process.cpuUsage();
    const started = process.hrtime.bigint();
    await round(index);
    rates.push(count / seconds(started));
    const used = process.cpuUsage(cpuBefore);
    cpu.push((used.user + used.system) / 1000 / count);
  }
  return { median: median(rates), rounds: rates, cpuMs: median(cpu) };
}

/**
 * Runs task(0) .. task(count - 1) with at most `concurrency` of them in flight; the first
 * failure rejects once the callers already running have stopped.
 */
export async function inFlight(
  count: number,
  concurrency: number,
  task: (index: number) => Promise<unknown>,
): Promise<void> {
  let next = 0;
  const caller = async () => {
    while (next < count) await task(next++);
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, caller));
}

/** Rejects if `promise` has not settled within `ms`, so that no benchmark hangs for ever. */
export async function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} took longer than ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([promise, expired]);
  } finally {
    clearTimeout(timer);
  }
}
