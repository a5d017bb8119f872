/** Push management timing; see README "Push management". config.json only: `"push": {...}`. */
export interface PushSettings {
  /** How often the scheduler looks for certificates to renew and trust lists to refresh. */
  intervalMinutes: number;
  /** Targets worked on at once. */
  concurrency: number;
  /** A failing target is retried after this many minutes, doubling up to backoffMaxMinutes. */
  backoffMinutes: number;
  backoffMaxMinutes: number;
}

export const pushKeys = ["intervalMinutes", "concurrency", "backoffMinutes", "backoffMaxMinutes"];

type Fail = (setting: string, problem: string) => Error;

const bounds: Record<keyof PushSettings, [number, number, number]> = {
  // [default, least, most]
  intervalMinutes: [5, 1, 1440],
  concurrency: [4, 1, 64],
  backoffMinutes: [1, 1, 1440],
  backoffMaxMinutes: [60, 1, 10080],
};

export function pushSettings(file: Record<string, unknown>, fail: Fail): PushSettings {
  const read = (key: keyof PushSettings) => {
    const [fallback, least, most] = bounds[key];
    const value = file[key] ?? fallback;
    if (typeof value !== "number" || !Number.isInteger(value) || value < least || value > most) {
      throw fail(`push.${key}`, `must be an integer from ${least} to ${most}`);
    }
    return value;
  };
  const settings = {
    intervalMinutes: read("intervalMinutes"),
    concurrency: read("concurrency"),
    backoffMinutes: read("backoffMinutes"),
    backoffMaxMinutes: read("backoffMaxMinutes"),
  };
  if (settings.backoffMaxMinutes < settings.backoffMinutes) {
    throw fail("push.backoffMaxMinutes", "must not be below push.backoffMinutes");
  }
  return settings;
}
