import { isGdsError } from "../core/errors.js";
import type { PushOutcome, PushStep } from "../core/push-records.js";
import { PushFailure } from "./push-target-port.js";

/**
 * The steps of one attempt as they happen. Each step's status is recorded; the first failure
 * ends the attempt and carries the outcome an administrator can act on.
 */
export class PushSteps {
  readonly done: PushStep[] = [];

  async run<T>(name: string, action: () => Promise<T>): Promise<T> {
    try {
      const result = await action();
      this.done.push({ name, statusCode: "Good" });
      return result;
    } catch (error) {
      const failure = asPushFailure(error, name);
      this.done.push({ name, statusCode: failure.statusCode });
      throw failure;
    }
  }
}

/** Our own refusals (a GdsError from the CA checks) and anything unforeseen, as a PushFailure. */
export function asPushFailure(error: unknown, step: string): PushFailure {
  if (error instanceof PushFailure) return error;
  if (isGdsError(error)) {
    const outcome: Exclude<PushOutcome, "Succeeded"> = error.code === "CertificateUriInvalid"
      ? "ForeignApplicationUri"
      : error.code === "Internal" ? "TargetError" : "SigningRequestRefused";
    // The catalogue's codes are OPC UA status names without "Bad", except Internal.
    const statusCode = error.code === "Internal" ? "BadInternalError" : `Bad${error.code}`;
    return new PushFailure(outcome, statusCode, `${step}: ${error.message}`);
  }
  return new PushFailure("TargetError", "BadInternalError", `${step}: internal error`);
}
