/** EST enrolment; see README "EST enrolment". config.json only: `"est": { ... }`. */
export interface EstSettings {
  /**
   * simplereenroll accepts a certificate that expired at most this many days ago; 0 (the
   * default) refuses every expired certificate, so a lapsed device must enrol anew.
   */
  renewAfterExpiryDays: number;
}

export const estKeys = ["renewAfterExpiryDays"];

type Fail = (setting: string, problem: string) => Error;

export function estSettings(file: Record<string, unknown>, fail: Fail): EstSettings {
  const days = file.renewAfterExpiryDays ?? 0;
  if (typeof days !== "number" || !Number.isInteger(days) || days < 0 || days > 365) {
    throw fail("est.renewAfterExpiryDays", "must be an integer from 0 to 365");
  }
  return { renewAfterExpiryDays: days };
}
